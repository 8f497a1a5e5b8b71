"""A synthetic Riverton Police Department: districts, units, officers with their assignment
history, one staff user per role, and a few thousand complaints and commendations moved through
their statuses.

Every choice comes from one `random.Random(seed)`, so a seed gives the same agency; dates count
back from the moment it runs, so the demo always looks current. Reports are filed and moved through
the same actions the intake pages and staff use, so they carry the same audit trail.
"""

import datetime
import random
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from commonground.accounts.models import Role
from commonground.complaints import tracking
from commonground.complaints.actions import (
    OfficerInput,
    PersonInput,
    ReportInput,
    file_report,
    transition_report,
)
from commonground.complaints.models import (
    Channel,
    ContactMethod,
    Kind,
    PersonRole,
    ReporterType,
    Status,
)
from commonground.demo import narratives
from commonground.demo.names import FIRST_NAMES, LANDMARKS, LAST_NAMES, STAFF_NAMES, STREETS
from commonground.demo.narratives import EN, ES
from commonground.roster.actions import assign_officer
from commonground.roster.models import Agency, District, Officer, OfficerStatus, Race, Rank, Unit

AGENCY_NAME = "Riverton Police Department"
# Printed by the command for anyone trying the demo; these accounts exist only in demo data.
PASSWORD = "demo-password-2026"  # noqa: S105
DEFAULT_SEED = 42
DEFAULT_REPORTS = 3500
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

# Where a report ends up if nothing stops it: (weight, [(status, (min days, max days) after the
# previous step)]). Each path follows complaints.actions.ALLOWED_TRANSITIONS.
COMPLAINT_PATHS = [
    (8, [(Status.CLOSED, (2, 30))]),
    (17, [(Status.TRIAGE, (1, 10)), (Status.CLOSED, (5, 40))]),
    (9, [(Status.TRIAGE, (1, 10)), (Status.MEDIATION, (5, 30)), (Status.CLOSED, (30, 120))]),
    (
        3,
        [
            (Status.TRIAGE, (1, 10)),
            (Status.MEDIATION, (5, 30)),
            (Status.INVESTIGATION, (30, 90)),
            (Status.CLOSED, (60, 270)),
        ],
    ),
    (33, [(Status.TRIAGE, (1, 10)), (Status.INVESTIGATION, (3, 25)), (Status.CLOSED, (60, 270))]),
    (
        25,
        [
            (Status.TRIAGE, (1, 10)),
            (Status.INVESTIGATION, (3, 25)),
            (Status.BOARD_REVIEW, (60, 240)),
            (Status.AGENCY_DECISION, (21, 90)),
            (Status.CLOSED, (14, 120)),
        ],
    ),
    (
        5,
        [
            (Status.TRIAGE, (1, 10)),
            (Status.INVESTIGATION, (3, 25)),
            (Status.BOARD_REVIEW, (60, 240)),
            (Status.INVESTIGATION, (21, 60)),
            (Status.BOARD_REVIEW, (30, 120)),
            (Status.AGENCY_DECISION, (21, 90)),
            (Status.CLOSED, (14, 120)),
        ],
    ),
]
COMMENDATION_PATHS = [
    (75, [(Status.FORWARDED, (1, 20)), (Status.CLOSED, (7, 60))]),
    (25, [(Status.CLOSED, (2, 25))]),
]
PATHS = {Kind.COMPLAINT: COMPLAINT_PATHS, Kind.COMMENDATION: COMMENDATION_PATHS}
STATUSES = {
    Kind.COMPLAINT: [
        Status.RECEIVED,
        Status.TRIAGE,
        Status.INVESTIGATION,
        Status.MEDIATION,
        Status.BOARD_REVIEW,
        Status.AGENCY_DECISION,
        Status.CLOSED,
    ],
    Kind.COMMENDATION: [Status.RECEIVED, Status.FORWARDED, Status.CLOSED],
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
class Plan:
    """One report, decided in full before anything is written."""

    kind: str
    channel: str
    received_at: datetime.datetime
    data: ReportInput | None = None
    steps: list[tuple[str, datetime.datetime]] = field(default_factory=list)
    path: list[tuple[str, datetime.datetime]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.steps[-1][0] if self.steps else Status.RECEIVED


@dataclass
class Summary:
    seed: int
    districts: int
    units: int
    officers: int
    assignments: int
    users: list[tuple[str, str]]
    reports: Counter
    statuses: Counter
    transitions: int
    seconds: float


def build(
    *,
    seed: int = DEFAULT_SEED,
    reports: int = DEFAULT_REPORTS,
    progress: Callable[[str], None] = lambda _message: None,
) -> Summary | None:
    """Create the demo agency, or return None if it is already there.

    One transaction: the demo is there completely or not at all, so an interrupted run can
    simply be run again.
    """
    started = time.monotonic()
    with transaction.atomic():
        if Agency.objects.filter(name=AGENCY_NAME).exists():
            return None
        progress(f"Creating {AGENCY_NAME} (seed {seed}, {reports} reports)...")
        builder = _Builder(seed=seed, now=timezone.now(), progress=progress)
        builder.check_usernames_free()
        builder.build_roster()
        builder.build_staff()
        builder.build_reports(reports)
    return builder.summary(time.monotonic() - started)


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
        self.assignments = 0
        self.users: dict[str, object] = {}
        self.plans: list[Plan] = []
        self.transitions = 0

    # --- Roster ------------------------------------------------------------------------------

    def build_roster(self) -> None:
        rng = self.rng
        agency = Agency.objects.create(
            name=AGENCY_NAME, short_name="RPD", jurisdiction="City of Riverton"
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

    def _build_officers(self, agency: Agency) -> None:
        rng = self.rng
        people = []
        taken = set()
        for _ in range(OFFICERS):
            sex = "female" if rng.random() < 0.19 else "male"
            race = _weighted(rng, OFFICER_RACES)
            first, last = _name(rng, sex, race, taken)
            years = min(rng.expovariate(1 / 9), 32.0)
            hired_on = self.today - datetime.timedelta(days=max(int(years * 365.25), 30))
            people.append(
                {
                    "first": first,
                    "last": last,
                    "sex": sex,
                    "race": race,
                    "years": years,
                    "hired_on": hired_on,
                    "birth_year": hired_on.year - rng.randint(21, 34),
                    "rank": Rank.OFFICER,
                }
            )
        # Rank follows seniority: each quota is filled from those with enough years, by chance
        # weighted towards the more senior.
        for rank, count, min_years in RANK_QUOTAS:
            for _ in range(count):
                eligible = [
                    p for p in people if p["rank"] == Rank.OFFICER and p["years"] >= min_years
                ]
                eligible = eligible or [p for p in people if p["rank"] == Rank.OFFICER]
                chosen = rng.choices(eligible, weights=[p["years"] for p in eligible])[0]
                chosen["rank"] = rank
        # Badge numbers by seniority: the longest-serving hold the lowest numbers.
        badges = sorted(rng.sample(range(1001, 9999), OFFICERS))
        people.sort(key=lambda p: (p["hired_on"], p["last"], p["first"]))
        for person, badge in zip(people, badges, strict=True):
            self._create_officer(agency, person, str(badge))

    def _create_officer(self, agency: Agency, person: dict, badge: str) -> None:
        rng = self.rng
        status, separated_on = OfficerStatus.ACTIVE, None
        roll = rng.random()
        if person["rank"] in (Rank.CHIEF, Rank.DEPUTY_CHIEF):
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
        final_unit = self._unit_for(person["rank"])
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
            hired_on=person["hired_on"],
            separated_on=separated_on,
        )
        for start, rank, unit in zip(starts, ranks, units, strict=True):
            assign_officer(officer=officer, unit=self.units[unit], on=start, rank=rank)
            self.assignments += 1
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

    # --- Staff -------------------------------------------------------------------------------

    def check_usernames_free(self) -> None:
        User = get_user_model()
        usernames = [username for username, _first, _last in STAFF_NAMES.values()]
        taken = sorted(
            User.objects.filter(username__in=usernames).values_list("username", flat=True)
        )
        if taken:
            raise UsernameTaken(taken)

    def build_staff(self) -> None:
        User = get_user_model()
        units = {
            Role.INVESTIGATOR: "Internal Affairs",
            Role.IA_SUPERVISOR: "Internal Affairs",
            Role.COMMUNITY_ENGAGEMENT: "Community Policing Unit",
            Role.TRAINING_COORDINATOR: "Training Academy",
        }
        for role in Role:
            username, first, last = STAFF_NAMES[role.value]
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@example.org",
                preferred_language="es" if role == Role.COMMUNITY_ENGAGEMENT else "en",
                unit=self.units.get(units.get(role, "")),
                is_staff=role == Role.ADMINISTRATOR,
                is_superuser=role == Role.ADMINISTRATOR,
            )
            validate_password(PASSWORD, user)
            user.set_password(PASSWORD)
            user.save()
            group, _created = Group.objects.get_or_create(name=role.value)
            user.groups.add(group)
            self.users[role] = user

    # --- Reports -----------------------------------------------------------------------------

    def build_reports(self, count: int) -> None:
        commendations = round(count * COMMENDATION_SHARE)
        kinds = [Kind.COMPLAINT] * (count - commendations) + [Kind.COMMENDATION] * commendations
        self.rng.shuffle(kinds)
        channels = _cover(self.rng, _weighted_many(self.rng, CHANNELS, count), list(CHANNELS))
        self.plans = [
            self._plan(kind, channel) for kind, channel in zip(kinds, channels, strict=True)
        ]
        for kind in PATHS:
            _cover_statuses(self.rng, [p for p in self.plans if p.kind == kind], kind, self.now)
        self.plans.sort(key=lambda p: p.received_at)
        clerk, admin = self.users[Role.INTAKE_CLERK], self.users[Role.ADMINISTRATOR]
        for done, plan in enumerate(self.plans, start=1):
            filed = file_report(
                data=plan.data,
                submission_token=tracking.new_submission_token(),
                channel=plan.channel,
                by=None if plan.channel == Channel.ONLINE else clerk,
                received_at=plan.received_at,
            )
            for status, at in plan.steps:
                transition_report(report=filed.report, to=status, by=admin, at=at)
                self.transitions += 1
            if done % 500 == 0 or done == len(self.plans):
                self.progress(f"  {done} of {len(self.plans)} reports filed")

    def _plan(self, kind: str, channel: str) -> Plan:
        rng = self.rng
        received_at = self._received_at(channel)
        plan = Plan(kind=kind, channel=channel, received_at=received_at)
        plan.path = _walk(rng, PATHS[kind], received_at)
        # Where the report stands today: the steps of its path that have already happened.
        plan.steps = [(s, at) for s, at in plan.path if at <= self.now]
        plan.data = self._report_input(kind, channel, received_at)
        return plan

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

    def _report_input(self, kind: str, channel: str, received_at: datetime.datetime) -> ReportInput:
        rng = self.rng
        language = ES if rng.random() < 0.25 else EN
        complaint = kind == Kind.COMPLAINT
        reporter_type = _weighted(
            rng,
            {ReporterType.SELF: 60, ReporterType.ANONYMOUS: 25, ReporterType.ON_BEHALF: 15}
            if complaint
            else {ReporterType.SELF: 75, ReporterType.ANONYMOUS: 20, ReporterType.ON_BEHALF: 5},
        )
        received_local = timezone.localtime(received_at)
        start, end, at_time = self._incident_when(complaint, received_local)
        district_code = _weighted(
            rng,
            {
                code: d.population * (DISTRICT_COMPLAINT_RATE[code] if complaint else 1.0)
                for code, d in self.districts.items()
            },
        )
        officers, officer_ref = self._involved_officers(complaint, language, start, district_code)
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
            behalf_of=behalf_of,
            anonymous=reporter_type == ReporterType.ANONYMOUS,
        )
        return ReportInput(
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

    def _involved_officers(self, complaint: bool, language: int, on: datetime.date, district: str):
        """0-3 officers, most picked from the roster, some only described; and how the
        narrative refers to them."""
        rng = self.rng
        count = rng.choices(
            [0, 1, 2, 3], weights=[15, 55, 22, 8] if complaint else [10, 70, 15, 5]
        )[0]
        serving = [
            o
            for o in self.roster
            if o.hired_on <= on and (o.separated_on is None or o.separated_on >= on)
        ]
        weights = [
            (o.complaint_weight if complaint else o.commendation_weight)
            * (3.0 if o.district_code == district else 1.0)
            for o in serving
        ]
        inputs, named = [], None
        picked: set[int] = set()
        for _ in range(count):
            if serving and rng.random() < 0.75:
                officer = rng.choices(serving, weights=weights)[0]
                if officer.pk in picked:
                    continue
                picked.add(officer.pk)
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

    def summary(self, seconds: float) -> Summary:
        return Summary(
            seed=self.seed,
            districts=len(self.districts),
            units=len(self.units),
            officers=len(self.roster),
            assignments=self.assignments,
            users=[(u.username, Role(role).label) for role, u in self.users.items()],
            reports=Counter(p.kind for p in self.plans),
            statuses=Counter((p.kind, p.status) for p in self.plans),
            transitions=self.transitions,
            seconds=seconds,
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
        UnitSpec(
            "Internal Affairs", parent="Office of the Chief", weight=1.5, complaint_factor=0.1
        ),
    ]
    return specs


def _walk(rng: random.Random, paths, received_at: datetime.datetime):
    """The whole path a report would take from received to closed, with its dates."""
    steps = rng.choices([p for _w, p in paths], weights=[w for w, _p in paths])[0]
    at, walked = received_at, []
    for status, (low, high) in steps:
        at += datetime.timedelta(seconds=rng.uniform(low, high) * 86400)
        walked.append((status, at))
    return walked


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


def _cover_statuses(rng: random.Random, plans: list[Plan], kind: str, now) -> None:
    """Make every status of this kind appear (when there are enough reports): for a missing
    status, the newest report that has already passed it stops there instead; failing that, a
    report whose path leads there gets there sooner."""
    statuses = STATUSES[kind]
    if len(plans) < len(statuses):
        return
    for wanted in statuses:
        counts = Counter(p.status for p in plans)
        if counts[wanted]:
            continue
        spare = [p for p in plans if counts[p.status] > 1]
        passed = [p for p in spare if _prefix_to(p.steps, wanted) is not None]
        if passed:
            plan = max(passed, key=lambda p: p.received_at)
            plan.steps = _prefix_to(plan.steps, wanted)
            continue
        leading = [p for p in spare if _prefix_to(p.path, wanted) is not None]
        plan = rng.choice(leading or spare)
        if not leading:
            path = next(p for _w, p in PATHS[kind] if any(s == wanted for s, _r in p))
            plan.path = _walk(rng, [(1, path)], plan.received_at)
        plan.steps = _squeeze(_prefix_to(plan.path, wanted), plan.received_at, now)


def _prefix_to(steps, status: str):
    """The steps up to and including the first one that reaches the status; None if none does."""
    if status == Status.RECEIVED:
        return []
    for i, (s, _at) in enumerate(steps):
        if s == status:
            return steps[: i + 1]
    return None


def _squeeze(steps, start: datetime.datetime, now: datetime.datetime):
    """Scale the steps' dates so the last one is not in the future."""
    if not steps or steps[-1][1] <= now:
        return steps
    factor = (now - start) * 0.95 / (steps[-1][1] - start)
    return [(s, start + (at - start) * factor) for s, at in steps]


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
    lines = [
        f"Created {AGENCY_NAME} (seed {summary.seed}) in {summary.seconds:.1f} s:",
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
