"""A synthetic Riverton Police Department: districts, units with their commanders, officers with
their assignment history, the staff of the oversight office and of internal affairs, and a few
thousand complaints and commendations taken through triage, investigation, the board and the
agency's decision.

Every choice comes from one `random.Random(seed)`, so a seed gives the same agency; dates count
back from the moment it runs, so the demo always looks current. Reports are filed and moved through
the same actions the intake and staff pages use, each at its own moment in the past (see
`casework`), so they carry the same history, deadlines and audit trail as real ones.
"""

import datetime
import random
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from commonground.accounts.models import Role
from commonground.complaints.actions import OfficerInput, PersonInput, ReportInput
from commonground.complaints.models import (
    OPEN_STATUSES,
    Allegation,
    AllegationSubtype,
    Channel,
    ContactMethod,
    Finding,
    Kind,
    PersonRole,
    Report,
    ReporterType,
    Status,
    StatusChange,
)
from commonground.demo import contact, intervention, narratives, policies, records
from commonground.demo import surveys as demo_surveys
from commonground.demo.casework import Calendar, Incident, Plan, Planner, Runner
from commonground.demo.names import (
    FIRST_NAMES,
    LANDMARKS,
    LAST_NAMES,
    MORE_STAFF,
    STAFF_NAMES,
    STREETS,
    SWORN_STAFF,
)
from commonground.demo.narratives import EN, ES
from commonground.demo.records import DEFAULT_STOPS, Records
from commonground.early_warning.models import Detector
from commonground.investigations.models import Case, LogEntry
from commonground.investigations.selectors import QUEUES
from commonground.oversight.models import AgencyDecision, CaseReview, Meeting, MeetingStatus, Vote
from commonground.publish.actions import build_release
from commonground.publish.selectors import latest_release
from commonground.roster.actions import assign_officer
from commonground.roster.models import (
    Agency,
    Assignment,
    District,
    Officer,
    OfficerStatus,
    Race,
    Rank,
    Unit,
)
from commonground.training.models import Policy

AGENCY_NAME = "Riverton Police Department"
# Printed by the command for anyone trying the demo; these accounts exist only in demo data.
PASSWORD = "demo-password-2026"  # noqa: S105
DEFAULT_SEED = 42
DEFAULT_REPORTS = 3500
DEFAULT_SURVEY_LETTERS = demo_surveys.LETTERS_PER_DISTRICT
OFFICERS = 300
YEARS_OF_REPORTS = 3
COMMENDATION_SHARE = 1 / 7

# The groups the roster knows, in the order district populations list them.
GROUPS = ["asian/pacific islander", "black", "hispanic", "white", "other"]

# code, name, population, share of each group (GROUPS order), offset of the centroid (lat, long)
DISTRICTS = [
    ("D1", "Northside", 84_000, (0.05, 0.38, 0.22, 0.31, 0.04), (0.045, -0.010)),
    ("D2", "Riverfront", 61_000, (0.12, 0.16, 0.17, 0.51, 0.04), (0.002, 0.004)),
    ("D3", "Eastgate", 97_000, (0.04, 0.19, 0.48, 0.25, 0.04), (0.010, 0.060)),
    ("D4", "Southpark", 78_000, (0.03, 0.47, 0.19, 0.27, 0.04), (-0.048, 0.012)),
    ("D5", "Westhills", 72_000, (0.09, 0.07, 0.11, 0.69, 0.04), (0.006, -0.065)),
]
CITY_CENTRE = (41.6032, -90.5776)
TIME_ZONE = "America/Chicago"
# Imported records with a point further than this from the centre (in degrees) are refused.
AREA_HALF_WIDTH = 0.15
# Residents file complaints at different rates; these skew districts a little beyond population.
DISTRICT_COMPLAINT_RATE = {"D1": 1.3, "D2": 1.2, "D3": 1.0, "D4": 1.4, "D5": 0.6}

OFFICER_RACES = {
    Race.WHITE: 56,
    Race.BLACK: 17,
    Race.HISPANIC: 18,
    Race.ASIAN_PACIFIC: 6,
    Race.OTHER: 3,
}
RESIDENT_RACES = {
    Race.WHITE: 40,
    Race.BLACK: 26,
    Race.HISPANIC: 24,
    Race.ASIAN_PACIFIC: 6,
    Race.OTHER: 4,
}

# rank: (how many, minimum years of service); the rest are officers.
RANK_QUOTAS = [
    (Rank.CHIEF, 1, 20),
    (Rank.DEPUTY_CHIEF, 2, 16),
    (Rank.COMMANDER, 4, 13),
    (Rank.CAPTAIN, 8, 10),
    (Rank.LIEUTENANT, 18, 7),
    (Rank.SERGEANT, 45, 4),
    (Rank.CORPORAL, 28, 2),
]
LADDER = [
    Rank.OFFICER,
    Rank.CORPORAL,
    Rank.SERGEANT,
    Rank.LIEUTENANT,
    Rank.CAPTAIN,
    Rank.COMMANDER,
    Rank.DEPUTY_CHIEF,
    Rank.CHIEF,
]

CHANNELS = {
    Channel.ONLINE: 46,
    Channel.PHONE: 18,
    Channel.EMAIL: 14,
    Channel.WALK_IN: 10,
    Channel.MAIL: 5,
    Channel.PARTNER: 7,
}

STATUSES = {
    Kind.COMPLAINT: [
        Status.RECEIVED,
        Status.TRIAGE,
        Status.INVESTIGATION,
        Status.SUPERVISOR_REVIEW,
        Status.MEDIATION,
        Status.BOARD_REVIEW,
        Status.AGENCY_DECISION,
        Status.CLOSED,
    ],
    Kind.COMMENDATION: [Status.RECEIVED, Status.FORWARDED],
}
# Reporters who write in about an incident someone else already reported.
DUPLICATE_SHARE = 0.012
# The patrol shift whose lieutenant has an account as its field supervisor, beside one of its
# officers: the district with the most complaints, at night.
FIELD_UNIT = "Southpark Patrol, Night Shift"
# Where the sworn staff serve, by role; internal affairs has no one else.
SWORN_UNITS = {
    Role.INVESTIGATOR: (Rank.SERGEANT, "Internal Affairs"),
    Role.IA_SUPERVISOR: (Rank.LIEUTENANT, "Internal Affairs"),
    Role.AGENCY_HEAD: (Rank.CHIEF, "Office of the Chief"),
    Role.FIELD_SUPERVISOR: (Rank.LIEUTENANT, FIELD_UNIT),
    Role.OFFICER: (Rank.OFFICER, FIELD_UNIT),
}
# Sworn staff who command the unit they serve in, whoever else serves there.
UNIT_LEADERS = {Role.FIELD_SUPERVISOR}
STAFF_UNITS = {
    Role.COMMUNITY_ENGAGEMENT: "Community Policing Unit",
    Role.TRAINING_COORDINATOR: "Training Academy",
    Role.INTERVIEWER: "Community Policing Unit",
}

DAY = datetime.timedelta(days=1)


@dataclass
class UnitSpec:
    """A unit to create: name, district code (or none), parent name, and who tends to serve."""

    name: str
    district: str | None = None
    parent: str | None = None
    weight: float = 0.0
    complaint_factor: float = 1.0


@dataclass
class RosterEntry:
    """What the report generator needs to know about one officer, without asking the database."""

    pk: int
    first_name: str
    last_name: str
    sex: str
    badge: str
    rank: str
    hired_on: datetime.date
    separated_on: datetime.date | None
    district_code: str | None
    complaint_weight: float
    commendation_weight: float


@dataclass
class Summary:
    created: bool
    seed: int
    districts: int
    units: int
    officers: int
    assignments: int
    users: list[tuple[str, str]]
    reports: Counter
    statuses: Counter
    transitions: int
    casework: dict[str, int]
    queues: dict[str, int]
    records: Records
    interventions: "intervention.Interventions | None" = None
    survey: "demo_surveys.SurveySummary | None" = None
    seconds: float = 0.0


def build(
    *,
    seed: int = DEFAULT_SEED,
    reports: int = DEFAULT_REPORTS,
    stops: int = DEFAULT_STOPS,
    survey_letters: int = demo_surveys.LETTERS_PER_DISTRICT,
    progress: Callable[[str], None] = lambda _message: None,
) -> Summary | None:
    """Create the demo agency with its stop and use-of-force records, or return None if it is
    all already there.

    The agency, its staff and its reports are one transaction: there completely or not at all.
    The records are then imported as an analyst imports them, and each import commits on its own
    (see `records`); a run interrupted before they were loaded loads them when run again.
    """
    started = time.monotonic()
    with transaction.atomic():
        created = not Agency.objects.filter(name=AGENCY_NAME).exists()
        if created:
            progress(f"Creating {AGENCY_NAME} (seed {seed}, {reports} reports)...")
            builder = _Builder(seed=seed, now=timezone.now(), progress=progress)
            builder.check_usernames_free()
            builder.build_roster()
            builder.build_staff()
            builder.build_subtypes()
            builder.build_reports(reports)
            builder.build_footage()
            contact.build(clerk=builder.users[Role.INTAKE_CLERK][0], now=builder.now)
    if (
        not created
        and records.loaded()
        and Detector.objects.exists()
        and Policy.objects.exists()
        and demo_surveys.built()
        and latest_release()
    ):
        return None
    if not created:
        progress(f"{AGENCY_NAME} exists; loading the records it lacks...")
    analyst = get_user_model().objects.get(username=STAFF_NAMES[Role.ANALYST][0])
    imported = records.build_records(
        agency=Agency.objects.get(name=AGENCY_NAME),
        seed=seed,
        stops=stops,
        by=analyst,
        now=timezone.now(),
        progress=progress,
    )
    with transaction.atomic():
        alerts = (
            None
            if Detector.objects.exists()
            else intervention.build(seed=seed, today=timezone.localdate())
        )
    with transaction.atomic():
        policies.build(today=timezone.localdate())
    survey_started = time.monotonic()
    with transaction.atomic():
        survey_added = demo_surveys.build(
            seed=seed, now=timezone.now(), letters_per_district=survey_letters, progress=progress
        )
    if survey_added:
        progress(f"  community survey built in {time.monotonic() - survey_started:.1f} s")
    if latest_release() is None or survey_added:
        progress("Publishing the public datasets...")
        build_release(progress=lambda line: progress(f"  {line}"))
    summary = _summary(seed=seed, created=created, records=imported)
    summary.interventions = alerts
    summary.survey = demo_surveys.summarise()
    summary.seconds = time.monotonic() - started
    return summary


class _Builder:
    def __init__(self, *, seed: int, now: datetime.datetime, progress):
        self.seed = seed
        self.rng = random.Random(seed)
        self.now = now
        self.today = timezone.localdate(now)
        self.progress = progress
        self.districts: dict[str, District] = {}
        self.units: dict[str, Unit] = {}
        self.unit_specs: dict[str, UnitSpec] = {}
        self.roster: list[RosterEntry] = []
        self.officers: dict[int, Officer] = {}
        # Username -> the officer record of each sworn member of staff.
        self.sworn: dict[str, Officer] = {}
        self.users: dict[str, list] = {}
        self.subtypes: dict[str, AllegationSubtype] = {}
        self.plans: list[Plan] = []

    # --- Roster ------------------------------------------------------------------------------

    def build_roster(self) -> None:
        rng = self.rng
        agency = Agency.objects.create(
            name=AGENCY_NAME,
            short_name="RPD",
            jurisdiction="City of Riverton",
            time_zone=TIME_ZONE,
            area_south=CITY_CENTRE[0] - AREA_HALF_WIDTH,
            area_north=CITY_CENTRE[0] + AREA_HALF_WIDTH,
            area_west=CITY_CENTRE[1] - AREA_HALF_WIDTH,
            area_east=CITY_CENTRE[1] + AREA_HALF_WIDTH,
        )
        for code, name, population, shares, (dlat, dlong) in DISTRICTS:
            population = round(population * rng.uniform(0.97, 1.03))
            by_group = {g: round(population * s) for g, s in zip(GROUPS, shares, strict=True)}
            by_group["white"] += population - sum(by_group.values())
            self.districts[code] = District.objects.create(
                agency=agency,
                code=code,
                name=name,
                population=population,
                population_by_group=by_group,
                latitude=Decimal(f"{CITY_CENTRE[0] + dlat:.6f}"),
                longitude=Decimal(f"{CITY_CENTRE[1] + dlong:.6f}"),
            )
        for spec in _unit_specs(self.districts):
            self.unit_specs[spec.name] = spec
            self.units[spec.name] = Unit.objects.create(
                agency=agency,
                name=spec.name,
                district=self.districts.get(spec.district) if spec.district else None,
                parent=self.units.get(spec.parent) if spec.parent else None,
            )
        self._build_officers(agency)
        self._appoint_commanders()

    def _build_officers(self, agency: Agency) -> None:
        rng = self.rng
        people = []
        taken = set()
        # The sworn members of staff first: their rank and unit come with their job.
        for role, username, first, last in _staff():
            if username not in SWORN_STAFF:
                continue
            sex, race, years = SWORN_STAFF[username]
            rank, unit = SWORN_UNITS[role]
            taken.add((first, last))
            people.append(self._person(first, last, sex, race, years, rank, unit, username))
        for _ in range(OFFICERS - len(people)):
            sex = "female" if rng.random() < 0.19 else "male"
            race = _weighted(rng, OFFICER_RACES)
            first, last = _name(rng, sex, race, taken)
            years = min(rng.expovariate(1 / 9), 32.0)
            people.append(self._person(first, last, sex, race, years, Rank.OFFICER))
        # Rank follows seniority: each quota is filled from those with enough years, by chance
        # weighted towards the more senior.
        for rank, count, min_years in RANK_QUOTAS:
            for _ in range(count - sum(p["rank"] == rank for p in people if p["username"])):
                eligible = [
                    p
                    for p in people
                    if p["rank"] == Rank.OFFICER and not p["username"] and p["years"] >= min_years
                ]
                eligible = eligible or [p for p in people if p["rank"] == Rank.OFFICER]
                chosen = rng.choices(eligible, weights=[p["years"] for p in eligible])[0]
                chosen["rank"] = rank
        # Badge numbers by seniority: the longest-serving hold the lowest numbers.
        badges = sorted(rng.sample(range(1001, 9999), OFFICERS))
        people.sort(key=lambda p: (p["hired_on"], p["last"], p["first"]))
        emails = set()
        for person, badge in zip(people, badges, strict=True):
            email = f"{_ascii(person['first'])}.{_ascii(person['last'])}"
            if email in emails:
                email += badge
            emails.add(email)
            self._create_officer(agency, person, str(badge), f"{email}@example.org")

    def _person(self, first, last, sex, race, years, rank, unit=None, username="") -> dict:
        hired_on = self.today - datetime.timedelta(days=max(int(years * 365.25), 30))
        return {
            "first": first,
            "last": last,
            "sex": sex,
            "race": race,
            "years": years,
            "hired_on": hired_on,
            "birth_year": hired_on.year - self.rng.randint(21, 34),
            "rank": rank,
            "unit": unit,
            "username": username,
        }

    def _create_officer(self, agency: Agency, person: dict, badge: str, email: str) -> None:
        rng = self.rng
        status, separated_on = OfficerStatus.ACTIVE, None
        roll = rng.random()
        if person["rank"] in (Rank.CHIEF, Rank.DEPUTY_CHIEF) or person["username"]:
            roll = 1.0
        if roll < 0.05 and (self.today - person["hired_on"]).days > 120:
            status = OfficerStatus.SEPARATED
            separated_on = person["hired_on"] + datetime.timedelta(
                days=rng.randint(90, (self.today - person["hired_on"]).days - 1)
            )
        elif roll < 0.08:
            status = OfficerStatus.LEAVE
        elif roll < 0.09:
            status = OfficerStatus.SUSPENDED
        final_unit = person["unit"] or self._unit_for(person["rank"])
        last_day = separated_on or self.today
        span = (last_day - person["hired_on"]).days
        final_step = LADDER.index(person["rank"])
        moves = 1 if span < 2 * 365 else rng.choice([1, 2, 2, 3, 3])
        if final_step and span >= 2 * 365:
            moves = max(moves, 2)  # promoted at least once
        later = rng.sample(range(180, max(span - 30, 181)), min(moves - 1, span // 200))
        starts = [person["hired_on"] + datetime.timedelta(days=d) for d in [0, *sorted(later)]]
        # Everyone starts as an officer and climbs evenly to the rank held today.
        last = len(starts) - 1
        ranks = [
            LADDER[round(final_step * i / last)] if last else person["rank"]
            for i in range(len(starts))
        ]
        units = [self._unit_for(r, first=i == 0) for i, r in enumerate(ranks[:-1])] + [final_unit]
        officer = Officer.objects.create(
            agency=agency,
            first_name=person["first"],
            last_name=person["last"],
            badge_number=badge,
            rank=ranks[0],
            status=status,
            race=person["race"],
            sex=person["sex"],
            birth_year=person["birth_year"],
            work_email=email,
            hired_on=person["hired_on"],
            separated_on=separated_on,
        )
        for start, rank, unit in zip(starts, ranks, units, strict=True):
            assign_officer(officer=officer, unit=self.units[unit], on=start, rank=rank)
        self.officers[officer.pk] = officer
        if person["username"]:
            self.sworn[person["username"]] = officer
        spec = self.unit_specs[final_unit]
        command = LADDER.index(person["rank"]) >= LADDER.index(Rank.LIEUTENANT)
        # A few officers draw far more complaints than their peers (what early warning looks
        # for); a heavy-tailed draw gives the demo such officers without naming anyone.
        propensity = min(rng.paretovariate(3.0), 6.0)
        self.roster.append(
            RosterEntry(
                pk=officer.pk,
                first_name=person["first"],
                last_name=person["last"],
                sex=person["sex"],
                badge=badge,
                rank=person["rank"],
                hired_on=person["hired_on"],
                separated_on=separated_on,
                district_code=spec.district,
                complaint_weight=propensity * spec.complaint_factor * (0.2 if command else 1.0),
                commendation_weight=rng.uniform(0.5, 1.5) * spec.complaint_factor,
            )
        )

    def _unit_for(self, rank: str, *, first: bool = False) -> str:
        """Where an officer of this rank serves; everyone starts on patrol."""
        rng = self.rng
        specs = list(self.unit_specs.values())
        if rank == Rank.CHIEF or rank == Rank.DEPUTY_CHIEF:
            return "Office of the Chief"
        if rank == Rank.COMMANDER:
            return rng.choice([s.name for s in specs if s.name.endswith("Bureau")])
        patrol = [s for s in specs if s.district]
        if first:
            return rng.choice(patrol).name
        staffed = [s for s in specs if s.weight > 0]
        return rng.choices(staffed, weights=[s.weight for s in staffed])[0].name

    def _appoint_commanders(self) -> None:
        """Each unit is commanded by its highest-ranking serving member, lieutenant or above
        (the longest-serving among equals); a small unit with none is led by its senior
        sergeant; a field supervisor with an account commands their own unit. Commendations are
        sent to them."""
        leaders = {
            self.sworn[username].pk
            for role, username, _first, _last in _staff()
            if role in UNIT_LEADERS and username in self.sworn
        }
        serving = [
            o
            for o in self.officers.values()
            if o.status == OfficerStatus.ACTIVE
            and LADDER.index(o.rank) >= LADDER.index(Rank.SERGEANT)
        ]
        for unit in self.units.values():
            members = [o for o in serving if o.unit_id == unit.pk]
            if members:
                unit.commander = max(
                    members,
                    key=lambda o: (o.pk in leaders, LADDER.index(o.rank), -o.hired_on.toordinal()),
                )
                unit.save(update_fields=["commander"])

    def _pick_officer(self, complaint: bool, on: datetime.date, district: str, exclude: set):
        """An officer serving on that day, more likely one working in that district."""
        serving = [
            o
            for o in self.roster
            if o.hired_on <= on
            and (o.separated_on is None or o.separated_on >= on)
            and o.pk not in exclude
        ]
        if not serving:
            return None
        weights = [
            (o.complaint_weight if complaint else o.commendation_weight)
            * (3.0 if o.district_code == district else 1.0)
            for o in serving
        ]
        return self.rng.choices(serving, weights=weights)[0]

    # --- Staff -------------------------------------------------------------------------------

    def check_usernames_free(self) -> None:
        User = get_user_model()
        usernames = [username for _role, username, _first, _last in _staff()]
        taken = sorted(
            User.objects.filter(username__in=usernames).values_list("username", flat=True)
        )
        if taken:
            raise UsernameTaken(taken)

    def build_staff(self) -> None:
        User = get_user_model()
        groups = {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}
        # Accounts as old as the demo's history: their holders worked every case in it.
        joined = self.now - datetime.timedelta(days=YEARS_OF_REPORTS * 365 + 30)
        # Hashed once: every account has the same, published password.
        password = make_password(PASSWORD)
        for role, username, first, last in _staff():
            officer = self.sworn.get(username)
            unit = officer.unit if officer else self.units.get(STAFF_UNITS.get(role, ""))
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@example.org",
                preferred_language="es" if role == Role.COMMUNITY_ENGAGEMENT else "en",
                unit=unit,
                officer=officer,
                is_staff=role == Role.ADMINISTRATOR,
                is_superuser=role == Role.ADMINISTRATOR,
                date_joined=joined,
            )
            validate_password(PASSWORD, user)
            user.password = password
            user.save()
            user.groups.add(groups[role])
            self.users.setdefault(role, []).append(user)

    def build_subtypes(self) -> None:
        for key, (category, en, es) in narratives.ALLEGATION_SUBTYPES.items():
            subtype = AllegationSubtype.objects.filter(category=category, names__en=en).first()
            self.subtypes[key] = subtype or AllegationSubtype.objects.create(
                category=category, names={"en": en, "es": es}
            )

    # --- Reports -----------------------------------------------------------------------------

    def build_reports(self, count: int) -> None:
        rng = self.rng
        commendations = round(count * COMMENDATION_SHARE)
        kinds = [Kind.COMPLAINT] * (count - commendations) + [Kind.COMMENDATION] * commendations
        rng.shuffle(kinds)
        channels = _cover(rng, _weighted_many(rng, CHANNELS, count), list(CHANNELS))
        self.plans = [
            self._plan(kind, channel) for kind, channel in zip(kinds, channels, strict=True)
        ]
        self._add_duplicates()
        first_day = timezone.localdate(self.now) - datetime.timedelta(days=YEARS_OF_REPORTS * 365)
        planner = Planner(
            rng=rng,
            now=self.now,
            calendar=Calendar(first_day, self.today + datetime.timedelta(days=120)),
            roster={o.pk: o for o in self.roster},
            pick_officer=self._pick_officer,
            supervisors=len(self.users[Role.IA_SUPERVISOR]),
            members=len(self.users[Role.BOARD_MEMBER]),
        )
        # A report with a duplicate is planned first: the duplicate is merged into it.
        for plan in sorted(self.plans, key=lambda p: p.duplicate_of is not None):
            planner.plan(plan, force=Status.INVESTIGATION if plan.has_duplicate else "")
        for kind in STATUSES:
            _cover_statuses(planner, [p for p in self.plans if p.kind == kind], kind)
        self.plans.sort(key=lambda p: p.received_at)
        steps = [step for plan in self.plans for step in plan.steps]
        steps += planner.meeting_steps()
        self.progress(f"  {len(self.plans)} reports planned, {len(steps)} steps to replay")
        Runner(
            users=self.users,
            officers=self.officers,
            subtypes=self.subtypes,
            rng=rng,
            progress=self.progress,
        ).run(steps)

    def _plan(self, kind: str, channel: str) -> Plan:
        received_at = self._received_at(channel)
        plan = Plan(kind=kind, channel=channel, received_at=received_at)
        plan.data, plan.incident = self._report_input(kind, channel, received_at)
        return plan

    def _add_duplicates(self) -> None:
        """A few complaints are a second report of an incident already reported (by a witness,
        a relative), received a few days after the first; triage merges them into it."""
        rng = self.rng
        complaints = [p for p in self.plans if p.kind == Kind.COMPLAINT]
        older = [p for p in complaints if p.received_at < self.now - datetime.timedelta(days=10)]
        wanted = min(round(len(complaints) * DUPLICATE_SHARE), len(older) // 2)
        originals = rng.sample(older, wanted)
        spare = [p for p in complaints if not any(p is o for o in originals)]
        for original, plan in zip(originals, rng.sample(spare, wanted), strict=True):
            received_at = original.received_at + datetime.timedelta(days=rng.uniform(0.5, 6))
            plan.received_at = received_at
            plan.data, plan.incident = self._report_input(
                Kind.COMPLAINT, plan.channel, received_at, same=original.incident
            )
            plan.duplicate_of, original.has_duplicate = original, True

    def _received_at(self, channel: str) -> datetime.datetime:
        rng = self.rng
        window = YEARS_OF_REPORTS * 365 * 86400
        # Slightly more reports lately, as more residents learn where to report.
        age = max(window * rng.random() ** 1.15, 3600)
        received = self.now - datetime.timedelta(seconds=age)
        if channel == Channel.ONLINE:
            return received
        # Staff take reports during office hours on weekdays.
        day = timezone.localtime(received).date()
        minute = rng.randint(8 * 60 + 30, 16 * 60 + 59)
        while True:
            if day.weekday() < 5:
                at = timezone.make_aware(
                    datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60))
                )
                if at < self.now:
                    return at
            day -= DAY

    def _report_input(
        self, kind: str, channel: str, received_at: datetime.datetime, same: Incident | None = None
    ) -> tuple[ReportInput, Incident]:
        """What a reporter writes; about `same` incident when another report told it first."""
        rng = self.rng
        language = ES if rng.random() < 0.25 else EN
        complaint = kind == Kind.COMPLAINT
        reporter_type = _weighted(
            rng,
            {ReporterType.SELF: 60, ReporterType.ANONYMOUS: 25, ReporterType.ON_BEHALF: 15}
            if complaint
            else {ReporterType.SELF: 75, ReporterType.ANONYMOUS: 20, ReporterType.ON_BEHALF: 5},
        )
        if same is None:
            start, end, at_time = self._incident_when(complaint, timezone.localtime(received_at))
            district_code = _weighted(
                rng,
                {
                    code: d.population * (DISTRICT_COMPLAINT_RATE[code] if complaint else 1.0)
                    for code, d in self.districts.items()
                },
            )
        else:
            start, end, at_time, district_code = same.start, same.end, same.at_time, same.district
        officers, officer_ref = self._involved_officers(
            complaint, language, start, district_code, same.officers if same else None
        )
        incident = Incident(
            start=start,
            end=end,
            at_time=at_time,
            district=district_code,
            officers=[o.officer_id for o in officers],
        )
        if complaint:
            incident.category = (
                same.category if same else _weighted(rng, narratives.COMPLAINT_WEIGHTS)
            )
            cores = len(narratives.COMPLAINTS[incident.category]["core"])
            incident.core = same.core if same else rng.randrange(cores)
        linked = any(o.officer_id for o in officers)
        if linked and rng.random() < 0.4:
            chosen_district = None  # the action derives it from the officers' units
        elif rng.random() < 0.12:
            chosen_district = None  # the reporter did not know
        else:
            chosen_district = self.districts[district_code].pk
        relationship, behalf_of = "", ""
        if reporter_type == ReporterType.ON_BEHALF:
            relationship, behalf_of = rng.choice(narratives.RELATIONSHIPS[language])
        contact, method = self._contact(reporter_type, channel, language)
        people = self._witnesses(language)
        if behalf_of:
            first, last = _name(rng, rng.choice(["female", "male"]), _resident_race(rng, language))
            people.insert(0, PersonInput(role=PersonRole.AFFECTED, name=f"{first} {last}"))
        place = self._location(district_code, language)
        narrative = narratives.compose(
            rng,
            kind=kind,
            language=language,
            when=narratives.date_phrase(language, start, end, at_time),
            place=f"la {place}" if place.startswith("cuadra") else place,
            officer=officer_ref,
            category=incident.category,
            core=incident.core,
            behalf_of=behalf_of,
            anonymous=reporter_type == ReporterType.ANONYMOUS,
        )
        data = ReportInput(
            kind=kind,
            reporter_type=reporter_type,
            narrative=narrative,
            incident_date=start,
            incident_time=at_time,
            incident_date_end=end,
            location=place if rng.random() < 0.92 else "",
            district_id=chosen_district,
            reporter_relationship=relationship,
            contact=contact,
            contact_method=method,
            language="es" if language == ES else "en",
            officers=officers,
            people=people,
        )
        return data, incident

    def _incident_when(self, complaint: bool, received_local: datetime.datetime):
        """First day, last day (for a range) and time of the incident, before it was reported."""
        rng = self.rng
        lag = min(int(rng.expovariate(1 / (7 if complaint else 12))), 300)
        start = received_local.date() - datetime.timedelta(days=lag)
        end = None
        if complaint and rng.random() < 0.04:
            end, start = start, start - datetime.timedelta(days=rng.randint(2, 20))
            return start, end, None
        if rng.random() < 0.2:
            return start, None, None
        # More incidents in the evening and at night.
        hour = rng.choices(
            range(24), weights=[3, 3, 2, 2, 1, 1, 1, 2, 3, 3, 4, 4] + [5] * 6 + [6] * 6
        )[0]
        at_time = datetime.time(hour, rng.randrange(0, 60, 5))
        if lag == 0 and at_time >= received_local.time():
            return start, None, None
        return start, None, at_time

    def _involved_officers(
        self,
        complaint: bool,
        language: int,
        on: datetime.date,
        district: str,
        same: list[int | None] | None = None,
    ):
        """0-3 officers (a commendation names at least one), most picked from the roster, some
        only described; or the `same` officers another report named. And how the narrative
        refers to them."""
        rng = self.rng
        if same is None:
            count = rng.choices(
                [0, 1, 2, 3], weights=[15, 55, 22, 8] if complaint else [0, 75, 18, 7]
            )[0]
            same = []
            for _ in range(count):
                officer = None
                if rng.random() < 0.75:
                    officer = self._pick_officer(complaint, on, district, set())
                if officer is None or officer.pk not in same:
                    same.append(officer.pk if officer else None)
        roster = {o.pk: o for o in self.roster if o.pk in same}
        inputs, named = [], None
        for pk in same:
            if pk is not None:
                officer = roster[pk]
                name_given = ""
                if rng.random() < 0.45:
                    title = "Officer" if language == EN else "Agente"
                    name_given = f"{title} {officer.last_name}"
                    named = named or officer
                inputs.append(
                    OfficerInput(
                        officer_id=officer.pk,
                        name_given=name_given,
                        badge_given=officer.badge if rng.random() < 0.3 else "",
                    )
                )
            else:
                inputs.append(
                    OfficerInput(
                        description=rng.choice(narratives.OFFICER_DESCRIPTIONS)[language],
                        vehicle=(
                            rng.choice(narratives.VEHICLES)[language].format(
                                n=rng.randint(100, 499)
                            )
                            if rng.random() < 0.5
                            else ""
                        ),
                    )
                )
        return inputs, _officer_reference(language, len(inputs), named)

    def _contact(self, reporter_type: str, channel: str, language: int) -> tuple[dict, str]:
        rng = self.rng
        if reporter_type == ReporterType.ANONYMOUS:
            return {}, ContactMethod.NONE
        first, last = _name(rng, rng.choice(["female", "male"]), _resident_race(rng, language))
        contact = {"name": f"{first} {last}"}
        if channel == Channel.EMAIL or rng.random() < 0.75:
            contact["email"] = f"{_ascii(first)}.{_ascii(last)}{rng.randint(1, 99)}@example.org"
        if rng.random() < 0.7 or "email" not in contact:
            contact["phone"] = f"(555) 555-{rng.randint(100, 199):04d}"
        if channel in (Channel.MAIL, Channel.WALK_IN) and rng.random() < 0.8:
            street = rng.choice(rng.choice(list(STREETS.values())))
            contact["address"] = f"{rng.randint(100, 4999)} {street}, Riverton"
        if channel == Channel.MAIL and "address" in contact:
            return contact, ContactMethod.MAIL
        if rng.random() < 0.05:
            return contact, ContactMethod.NONE
        # The intake form asks for the detail that goes with the chosen method.
        methods = {
            "email": ContactMethod.EMAIL,
            "phone": ContactMethod.PHONE,
            "address": ContactMethod.MAIL,
        }
        return contact, rng.choice([m for key, m in methods.items() if key in contact])

    def _witnesses(self, language: int) -> list[PersonInput]:
        rng = self.rng
        people = []
        for _ in range(rng.choices([0, 1, 2], weights=[60, 30, 10])[0]):
            first, last = _name(rng, rng.choice(["female", "male"]), _resident_race(rng, language))
            people.append(
                PersonInput(
                    role=PersonRole.WITNESS,
                    name=f"{first} {last}" if rng.random() < 0.7 else "",
                    phone=f"(555) 555-{rng.randint(100, 199):04d}" if rng.random() < 0.5 else "",
                    description=rng.choice(narratives.WITNESS_NOTES)[language],
                )
            )
        return people

    def _location(self, district: str, language: int) -> str:
        """A landmark, an intersection or a block, as a resident would write it."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.15:
            return rng.choice(LANDMARKS[district])
        first, second = rng.sample(STREETS[district], 2)
        block = rng.randint(1, 48) * 100
        if roll < 0.6:
            return f"{first} & {second}" if language == EN else f"{first} y {second}"
        return f"{block} block of {first}" if language == EN else f"cuadra {block} de {first}"

    # --- Summary -----------------------------------------------------------------------------

    def build_footage(self) -> None:
        from commonground.demo.footage import build_footage

        custodian = self.users[Role.EVIDENCE_CUSTODIAN][0]
        active = [self.officers[e.pk] for e in self.roster if e.separated_on is None]
        self.footage = build_footage(
            custodian=custodian, officers=active, rng=self.rng, now=self.now
        )
        self.progress(
            "  {} body-worn-camera recordings imported, {} confirmed on cases, {} past their "
            "retention disposed of".format(*self.footage)
        )


def _summary(*, seed: int, created: bool, records: Records) -> Summary:
    """What the database holds, as the command prints it."""
    by_status = (
        Report.objects.values_list("kind", "status")
        .annotate(n=Count("pk"))
        .values_list("kind", "status", "n")
    )
    statuses = Counter({(kind, status): n for kind, status, n in by_status})
    reports = Counter()
    for (kind, _status), n in statuses.items():
        reports[kind] += n
    allegations = Allegation.objects.aggregate(
        total=Count("pk"),
        final=Count("pk", filter=~Q(final_finding="")),
        sustained=Count("pk", filter=Q(final_finding=Finding.SUSTAINED)),
        subjects=Count("involved_officer__officer", distinct=True),
    )
    decisions = AgencyDecision.objects.aggregate(
        total=Count("pk"), concurring=Count("pk", filter=Q(concurs_with_board=True))
    )
    open_cases = Case.objects.filter(report__status__in=OPEN_STATUSES)
    queues = {
        str(QUEUES[name].label): open_cases.filter(QUEUES[name].condition(None)).count()
        for name in ("triage", "unassigned", "due_soon", "overdue")
    }
    queues["Clock paused"] = open_cases.filter(paused=True).count()
    for name in ("awaiting_approval", "awaiting_board"):
        queues[str(QUEUES[name].label)] = open_cases.filter(QUEUES[name].condition(None)).count()
    agency = Agency.objects.get(name=AGENCY_NAME)
    accounts = set(get_user_model().objects.values_list("username", flat=True))
    return Summary(
        created=created,
        seed=seed,
        districts=agency.districts.count(),
        units=Unit.objects.filter(agency=agency).count(),
        officers=agency.officers.count(),
        assignments=Assignment.objects.filter(officer__agency=agency).count(),
        users=[
            (username, Role(role).label)
            for role, username, _first, _last in _staff()
            if username in accounts
        ],
        reports=reports,
        statuses=statuses,
        transitions=StatusChange.objects.exclude(from_status="").count(),
        casework={
            **{f"allegations_{k}": v for k, v in allegations.items()},
            "log_entries": LogEntry.objects.count(),
            "meetings_held": Meeting.objects.filter(status=MeetingStatus.HELD).count(),
            "meetings_scheduled": Meeting.objects.filter(status=MeetingStatus.SCHEDULED).count(),
            "reviews": CaseReview.objects.count(),
            "votes": Vote.objects.count(),
            "decisions": decisions["total"],
            "decisions_concurring": decisions["concurring"],
        },
        queues=queues,
        records=records,
    )


class UsernameTaken(Exception):
    def __init__(self, usernames: list[str]):
        self.usernames = usernames
        super().__init__(f"These usernames are already taken: {', '.join(usernames)}.")


def _unit_specs(districts: dict[str, District]) -> list[UnitSpec]:
    """About twenty units: two patrol shifts per district under the bureaus, and specialists."""
    specs = [
        UnitSpec("Office of the Chief"),
        UnitSpec("Patrol Bureau", parent="Office of the Chief"),
        UnitSpec("Investigations Bureau", parent="Office of the Chief"),
        UnitSpec("Support Services Bureau", parent="Office of the Chief"),
    ]
    for code, district in districts.items():
        for shift in ("Day Shift", "Night Shift"):
            specs.append(
                UnitSpec(
                    f"{district.name} Patrol, {shift}",
                    district=code,
                    parent="Patrol Bureau",
                    weight=6.5,
                    complaint_factor=1.3 if shift == "Night Shift" else 1.0,
                )
            )
    specs += [
        UnitSpec(
            "Traffic Enforcement Unit", parent="Patrol Bureau", weight=6, complaint_factor=1.1
        ),
        UnitSpec("K-9 Unit", parent="Patrol Bureau", weight=1.5, complaint_factor=0.8),
        UnitSpec(
            "Crisis Intervention Team", parent="Patrol Bureau", weight=2.5, complaint_factor=0.6
        ),
        UnitSpec(
            "Criminal Investigations Division",
            parent="Investigations Bureau",
            weight=7,
            complaint_factor=0.5,
        ),
        UnitSpec(
            "Special Victims Unit", parent="Investigations Bureau", weight=3, complaint_factor=0.4
        ),
        UnitSpec(
            "Narcotics and Vice", parent="Investigations Bureau", weight=3, complaint_factor=1.2
        ),
        UnitSpec(
            "Community Policing Unit",
            parent="Support Services Bureau",
            weight=4,
            complaint_factor=0.5,
        ),
        UnitSpec(
            "School Resource Unit",
            parent="Support Services Bureau",
            weight=2.5,
            complaint_factor=0.6,
        ),
        UnitSpec(
            "Training Academy", parent="Support Services Bureau", weight=1.5, complaint_factor=0.2
        ),
        # Staffed only by the investigators and supervisors who have accounts (SWORN_STAFF).
        # Nobody here is named in a report: a complaint about internal affairs would go to an
        # outside agency, since every investigator would have a conflict.
        UnitSpec("Internal Affairs", parent="Office of the Chief", complaint_factor=0.0),
    ]
    return specs


def _cover(rng: random.Random, values: list, every: list) -> list:
    """Make every value appear at least once (when there are enough slots), taking slots from
    values that appear more than once."""
    values = list(values)
    for wanted in every:
        counts = Counter(values)
        if counts[wanted] or len(values) < len(every):
            continue
        spare = [i for i, v in enumerate(values) if counts[v] > 1]
        values[rng.choice(spare)] = wanted
    return values


def _cover_statuses(planner: Planner, plans: list[Plan], kind: str) -> None:
    """Make every status of this kind appear today (when there are enough reports): for a
    missing status, the newest report that has passed through it stops there instead; failing
    that, the oldest report that can be sent that way is."""
    statuses = STATUSES[kind]
    if len(plans) < len(statuses):
        return
    for wanted in statuses:
        counts = Counter(p.status for p in plans)
        if counts[wanted]:
            continue
        spare = [
            p
            for p in plans
            if counts[p.status] > 1 and p.duplicate_of is None and not p.has_duplicate
        ]
        passed = [p for p in spare if any(s.status == wanted for s in p.steps)]
        if passed:
            max(passed, key=lambda p: p.received_at).stop_in(wanted)
            continue
        for plan in sorted(spare, key=lambda p: p.received_at):
            planner.plan(plan, force=wanted)
            if plan.stop_in(wanted):
                break


def _staff() -> list[tuple[str, str, str, str]]:
    """(role, username, first name, last name) of every member of staff, the first of each
    role first."""
    people = []
    for role in Role:
        username, first, last = STAFF_NAMES[role.value]
        people.append((role, username, first, last))
        people += [(role, *person) for person in MORE_STAFF.get(role.value, [])]
    return people


def _officer_reference(language: int, count: int, named: RosterEntry | None) -> str:
    if named is not None:
        if language == EN:
            return f"Officer {named.last_name}"
        article = "la agente" if named.sex == "female" else "el agente"
        return f"{article} {named.last_name}"
    if count > 1:
        return "one of the officers" if language == EN else "uno de los agentes"
    return "an officer" if language == EN else "un agente"


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _weighted_many(rng: random.Random, weights: dict, k: int) -> list:
    return rng.choices(list(weights), weights=list(weights.values()), k=k)


def _resident_race(rng: random.Random, language: int) -> str:
    if language == ES and rng.random() < 0.85:
        return Race.HISPANIC
    return _weighted(rng, RESIDENT_RACES)


def _name(rng: random.Random, sex: str, race: str, taken: set | None = None) -> tuple[str, str]:
    """A first and last name, mostly from the person's group; unique within `taken` if given."""
    for _attempt in range(50):
        first_group = race if rng.random() < 0.8 else rng.choice(GROUPS)
        last_group = race if rng.random() < 0.85 else rng.choice(GROUPS)
        first = rng.choice(FIRST_NAMES[sex][first_group])
        last = rng.choice(LAST_NAMES[last_group])
        if taken is None or (first, last) not in taken:
            break
    if taken is not None:
        taken.add((first, last))
    return first, last


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


def format_summary(summary: Summary) -> list[str]:
    work = summary.casework
    final = work["allegations_final"]
    done = "Created" if summary.created else "Completed"
    lines = [
        f"{done} {AGENCY_NAME} (seed {summary.seed}) in {summary.seconds:.1f} s:",
        f"  {summary.districts} districts, {summary.units} units, {summary.officers} officers "
        f"with {summary.assignments} assignments",
        f"  {summary.reports[Kind.COMPLAINT]} complaints and "
        f"{summary.reports[Kind.COMMENDATION]} commendations, {summary.transitions} status changes",
    ]
    for kind in (Kind.COMPLAINT, Kind.COMMENDATION):
        counts = ", ".join(
            f"{status} {summary.statuses[(kind, status)]}" for status in STATUSES[kind]
        )
        lines.append(f"  {kind}s by status: {counts}")
    lines += [
        f"  {work['allegations_total']} allegations against {work['allegations_subjects']} "
        f"officers, {final} with a final finding "
        f"({work['allegations_sustained'] / max(final, 1):.0%} sustained); "
        f"{work['log_entries']} investigative log entries",
        f"  {work['meetings_held']} board meetings held and {work['meetings_scheduled']} "
        f"scheduled, {work['reviews']} case reviews with {work['votes']} votes; "
        f"{work['decisions']} agency decisions, {work['decisions_concurring']} following the board",
        "  Open cases: " + ", ".join(f"{label.lower()} {n}" for label, n in summary.queues.items()),
        *records.describe(summary.records),
        *intervention.describe(summary.interventions),
        *demo_surveys.describe(summary.survey),
    ]
    width = max(len(u) for u, _r in summary.users) + 2
    lines += ["", "Staff accounts:", f"  {'username'.ljust(width)}role"]
    lines += [f"  {username.ljust(width)}{role}" for username, role in summary.users]
    lines += [
        "",
        f"Password for every account: {PASSWORD}",
        "Each user enrols an authenticator app (TOTP) at first sign-in; "
        "recovery codes come with it.",
    ]
    return lines
