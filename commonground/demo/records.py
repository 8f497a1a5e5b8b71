"""Stop records and use-of-force reports for the demo agency, imported as an analyst imports
them: written to a file, queued with `stops.actions.queue_batch` and checked row by row by
`check_batch`, so the batches, their validation reports and their audit events are real.

Those actions commit their own transactions (a batch loads whole or not at all), so they run
after the rest of the demo is committed, and everything they need (districts, the roster and
its history, complaints) is read back from the database. A run interrupted before both batches
were loaded loads the missing one when run again.
"""

import csv
import datetime
import hashlib
import math
import random
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
from django.db.models import Count, Q
from django.utils import timezone

from commonground.complaints.models import (
    Allegation,
    AllegationCategory,
    InvolvedOfficer,
    Kind,
    OfficerRole,
    Report,
)
from commonground.demo.names import STREETS
from commonground.roster.models import Agency, Assignment, Officer, OfficerStatus, Rank
from commonground.stops.actions import check_batch, queue_batch
from commonground.stops.analysis import GROUPS, DistrictInfo
from commonground.stops.models import (
    Batch,
    BatchKind,
    BatchStatus,
    ForceType,
    ForceUsed,
    UseOfForceIncident,
)
from commonground.stops.selectors import district_infos
from commonground.stops.synthetic import generate_stops

DEFAULT_STOPS = 150_000
YEARS_OF_RECORDS = 3
# Marks the demo's own batches, so a later run knows they are there.
NOTE = "Synthetic records made by manage.py demo_data."

# The disparities planted in the stops (stops.synthetic says exactly how each is drawn), and what
# the stops pages find with the default 150,000 stops (any seed; the ranges are about two
# standard errors wide):
# - Benchmark: Black residents are stopped at 1.8 times the white rate per resident in daylight.
#   Over all hours the page shows about 1.7 (1.69-1.73): the darkness effect below moves some
#   stops after dusk from Black to white drivers. Hispanic residents: about 1.3 in daylight.
# - Veil of darkness: a darkness coefficient of about -0.25 (odds ratio 0.78; the interval is
#   about +-0.07), from some 25,000 stops in the inter-twilight window.
# - Outcome test: searches of Black and Hispanic drivers find contraband less often (22% and
#   24%, against 32% for white drivers) although they are searched more (6% and 5% of stops,
#   against 3%): hit-rate differences of about -10 and -8 points (each +-3).
STOP_RATES = {"white": 1.0, "black": 1.8, "hispanic": 1.3, "asian/pacific islander": 0.8}
DARKNESS_EFFECT = -0.25
SEARCH_RATES = {"white": 0.03, "black": 0.06, "hispanic": 0.05, "asian/pacific islander": 0.025}
HIT_RATES = {"white": 0.32, "black": 0.22, "hispanic": 0.24, "asian/pacific islander": 0.30}

# Stops are made by officers and corporals on a district's patrol.
PATROL_RANKS = [Rank.OFFICER, Rank.CORPORAL]

# Use of force: about this many incidents a year, one to three officers each.
FORCE_INCIDENTS_PER_YEAR = 120
OFFICERS_PER_INCIDENT = {1: 60, 2: 30, 3: 10}
# Force per resident by group, relative to white residents (the same direction as the stops).
FORCE_RATES = {"white": 1.0, "black": 2.2, "hispanic": 1.4, "asian/pacific islander": 0.6}
FORCE_TYPES = {
    ForceType.PHYSICAL: 50,
    ForceType.STRIKE: 10,
    ForceType.CHEMICAL: 8,
    ForceType.CONDUCTED_ENERGY: 14,
    ForceType.IMPACT_WEAPON: 3,
    ForceType.LESS_LETHAL: 1,
    ForceType.FIREARM_POINTED: 10,
    ForceType.OTHER: 2,
}
SUBJECT_INJURED_SHARE = 0.28
OFFICER_INJURED_SHARE = 0.1
# Share of complaints with a use-of-force allegation against a named officer whose incident the
# agency also reported as a use of force (the file then gives the complaint's reference).
FORCE_COMPLAINT_LINK_SHARE = 0.15
# A handful of patrol officers with the most complaints lately also use force far more often than
# their peers in the last RECENT_DAYS, more and more often, and hurt people more often: what early
# intervention is for.
AT_RISK_OFFICERS = 5
# Each has this many incidents of their own, besides their most recent complaints (up to
# AT_RISK_LINKED), which come with the agency's use-of-force report.
AT_RISK_INCIDENTS = (4, 6)
AT_RISK_LINKED = 2
AT_RISK_INJURED_SHARE = 0.6
RECENT_DAYS = 182
# The last three months, inside the recommended detector's 91 days.
RECENT_WINDOW_DAYS = 88
# Share of incidents of each hour of the day (more in the evening and at night).
HOURS = [3, 3, 2, 2, 1, 1, 1, 2, 3, 3, 4, 4] + [5] * 6 + [6] * 6
FORCE_HEADER = [
    "incident_id",
    "date",
    "time",
    "location",
    "lat",
    "lng",
    "district",
    "officer_id",
    "force_type",
    "subject_age",
    "subject_race",
    "subject_sex",
    "subject_injured",
    "officer_injured",
    "complaint",
]

DAY = datetime.timedelta(days=1)


class RecordsRejected(Exception):
    """The demo made a file its own import refuses: a bug in the demo, never ignored."""


@dataclass(frozen=True)
class OfficerAtRisk:
    badge: str
    name: str
    incidents: int  # use-of-force incidents in the last RECENT_DAYS
    injuries: int  # of those, the ones that injured the subject
    complaints: int  # complaints naming the officer received in the last RECENT_DAYS


@dataclass(frozen=True)
class Records:
    stops_batch: int
    stops: int
    first_date: datetime.date | None
    last_date: datetime.date | None
    force_batch: int
    incidents: int
    officers_using_force: int
    linked: int
    at_risk: tuple[OfficerAtRisk, ...]


@dataclass(frozen=True)
class Spell:
    """An officer on a district's patrol from `start` until the day before `end`."""

    badge: str
    district: str
    start: datetime.date
    end: datetime.date


@dataclass
class Incident:
    on: datetime.date
    at: datetime.time | None
    district: str
    officers: list[str]  # badges, each once
    complaint: str = ""  # the complaint's reference
    injured: bool | None = None


def _demo_batch(kind: str) -> Batch | None:
    return (
        Batch.objects.filter(
            kind=kind, note=NOTE, status__in=[BatchStatus.LOADED, BatchStatus.WITHDRAWN]
        )
        .order_by("pk")
        .first()
    )


def loaded() -> bool:
    return all(_demo_batch(kind) for kind in BatchKind.values)


def build_records(
    *, agency: Agency, seed: int, stops: int, by, now: datetime.datetime, progress
) -> Records:
    """Import whichever of the demo's two files is not loaded yet; describe both."""
    today = timezone.localdate(now, ZoneInfo(agency.zone))
    first = today - datetime.timedelta(days=YEARS_OF_RECORDS * 365)
    last = today - DAY
    spells = _patrol_spells(agency, first, today)
    with tempfile.TemporaryDirectory(prefix="demo-records-") as directory:
        if _demo_batch(BatchKind.STOPS) is None:
            path = Path(directory) / f"riverton-stops-{first}-to-{last}.parquet"
            frame = _stops(agency, seed, stops, spells, first, last)
            frame.drop("batch", "record").write_parquet(path)
            batch = _import(path, BatchKind.STOPS, by)
            progress(f"  {batch.rows_total} stop records checked and loaded (batch {batch.pk})")
        if _demo_batch(BatchKind.USE_OF_FORCE) is None:
            rng = random.Random(f"{seed}:use of force")
            incidents = _force_incidents(agency, rng, spells, first, today)
            path = Path(directory) / f"riverton-use-of-force-{first}-to-{today}.csv"
            _write_force(path, incidents, rng)
            batch = _import(path, BatchKind.USE_OF_FORCE, by)
            progress(
                f"  {len(incidents)} use-of-force incidents in {batch.rows_total} rows checked "
                f"and loaded (batch {batch.pk})"
            )
    return summarise(today)


def _import(path: Path, kind: str, by) -> Batch:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    batch = queue_batch(
        kind=kind,
        path=path,
        original_name=path.name,
        sha256=digest.hexdigest(),
        size=path.stat().st_size,
        by=by,
        note=NOTE,
        check_later=False,
    )
    batch = check_batch(batch_id=batch.pk)
    if batch.status != BatchStatus.LOADED:
        raise RecordsRejected(f"The demo's {path.name} was rejected: {batch.problems_preview[:5]}")
    return batch


# --- Who was on patrol -------------------------------------------------------------------------


def _patrol_spells(agency: Agency, first: datetime.date, today: datetime.date) -> list[Spell]:
    """Every spell of an officer or corporal on a district's patrol that overlaps the period,
    from the roster's assignment history (an officer serves until the day they separate)."""
    spells = []
    rows = (
        Assignment.objects.filter(
            officer__agency=agency, unit__district__isnull=False, rank__in=PATROL_RANKS
        )
        .exclude(ended_on__lt=first)
        .order_by("officer__badge_number", "started_on")
        .values_list(
            "officer__badge_number",
            "unit__district__code",
            "started_on",
            "ended_on",
            "officer__separated_on",
        )
    )
    for badge, district, started, ended, separated in rows:
        end = min(ended or today + DAY, separated + DAY if separated else today + DAY)
        if started < end:
            spells.append(Spell(badge, district, started, end))
    return spells


def _on_patrol(spells: list[Spell], district: str, day: datetime.date) -> list[str]:
    return [s.badge for s in spells if s.district == district and s.start <= day < s.end]


# --- Stops -------------------------------------------------------------------------------------


def _stops(
    agency: Agency,
    seed: int,
    n: int,
    spells: list[Spell],
    first: datetime.date,
    last: datetime.date,
) -> pl.DataFrame:
    """`n` stops with the planted disparities. `generate_stops` gives each district's stops to
    the officers on its patrol today; a stop dated when its officer was not on that patrol
    (not yet hired, elsewhere, or gone) goes to one who was, so per-officer figures follow the
    roster's history."""
    districts = district_infos()
    on_patrol = {d.code: sorted(set(_on_patrol(spells, d.code, last))) for d in districts}
    # generate_stops gives officer i to district i % len(districts): interleave the districts'
    # lists, repeating the shorter ones.
    longest = max(len(badges) for badges in on_patrol.values())
    officer_ids = [
        on_patrol[d.code][i % len(on_patrol[d.code])] for i in range(longest) for d in districts
    ]
    frame = generate_stops(
        n,
        seed=seed,
        districts=districts,
        time_zone=agency.zone,
        start=first,
        end=last,
        stop_rates=STOP_RATES,
        darkness_effect=DARKNESS_EFFECT,
        search_rates=SEARCH_RATES,
        hit_rates=HIT_RATES,
        officer_ids=officer_ids,
    )
    return _reattribute(frame, spells, np.random.default_rng([seed, 1]))


def _reattribute(frame: pl.DataFrame, spells: list[Spell], rng) -> pl.DataFrame:
    spell_frame = pl.DataFrame(
        [(s.badge, s.district, s.start, s.end) for s in spells],
        schema={"officer_id": pl.String, "district": pl.String, "start": pl.Date, "end": pl.Date},
        orient="row",
    )
    rows = frame.select("officer_id", "district", "date").with_row_index("row")
    serving = (
        rows.join(spell_frame, on=["officer_id", "district"])
        .filter(pl.col("date") >= pl.col("start"), pl.col("date") < pl.col("end"))
        .select("row")
        .unique()
    )
    elsewhere = (
        rows.join(serving, on="row", how="anti")
        .sort("row")
        .group_by("district", "date", maintain_order=True)
        .agg("row")
    )
    officers = frame.get_column("officer_id").to_list()
    for district, day, indexes in elsewhere.iter_rows():
        badges = _on_patrol(spells, district, day)
        if badges:
            for index, pick in zip(
                indexes, rng.integers(0, len(badges), len(indexes)), strict=True
            ):
                officers[index] = badges[pick]
    return frame.with_columns(officer_id=pl.Series(officers, dtype=pl.String))


# --- Use of force ------------------------------------------------------------------------------


def _force_incidents(
    agency: Agency,
    rng: random.Random,
    spells: list[Spell],
    first: datetime.date,
    today: datetime.date,
) -> list[Incident]:
    """Incidents reported with the complaints about them, then the at-risk officers' recent
    ones, then the rest, drawn over the period."""
    districts = {d.code: d for d in district_infos()}
    badges = sorted({s.badge for s in spells})
    # Some officers use force more than others, whatever their complaints.
    propensity = {badge: rng.lognormvariate(0, 0.6) for badge in badges}
    incidents: list[Incident] = []
    linked: set[int] = set()

    alleged: dict[int, list[str]] = {}
    for report_id, badge in (
        Allegation.objects.filter(
            category=AllegationCategory.USE_OF_FORCE,
            report__kind=Kind.COMPLAINT,
            report__merged_into__isnull=True,
            report__incident_date_end__isnull=True,
            report__incident_date__gte=first,
            involved_officer__officer__agency=agency,
        )
        .order_by("report_id", "involved_officer__officer__badge_number")
        .values_list("report_id", "involved_officer__officer__badge_number")
        .distinct()
    ):
        alleged.setdefault(report_id, []).append(badge)
    reports = Report.objects.select_related("district").in_bulk(list(alleged))
    for report_id, officers in alleged.items():
        if rng.random() < FORCE_COMPLAINT_LINK_SHARE:
            incidents.append(_from_complaint(reports[report_id], officers, spells, districts, rng))
            linked.add(report_id)

    recent_start = today - datetime.timedelta(days=RECENT_DAYS)
    for badge in _at_risk(agency, spells, today, recent_start):
        complaints = (
            Report.objects.filter(
                kind=Kind.COMPLAINT,
                merged_into__isnull=True,
                incident_date_end__isnull=True,
                incident_date__gte=recent_start,
                officers__role=OfficerRole.SUBJECT,
                officers__officer__badge_number=badge,
            )
            .exclude(pk__in=linked)
            .select_related("district")
            .distinct()
            .order_by("-incident_date", "-pk")
        )
        for report in complaints[:AT_RISK_LINKED]:
            incident = _from_complaint(report, [badge], spells, districts, rng)
            incident.injured = rng.random() < AT_RISK_INJURED_SHARE
            incidents.append(incident)
            linked.add(report.pk)
        home = _home_district(spells, badge, today)
        for n in range(rng.randint(*AT_RISK_INCIDENTS)):
            # Escalating: three in the last three months, whatever the time of day the demo is
            # built (the recommended threshold is three in 91 days), and the rest the closer to
            # today the more often (a density falling linearly with the days ago).
            if n < 3:
                ago = 1 + int(RECENT_WINDOW_DAYS * rng.random())
            else:
                ago = 1 + int(RECENT_DAYS * (1 - math.sqrt(rng.random())))
            day = today - datetime.timedelta(days=min(ago, RECENT_DAYS))
            partners = [b for b in _on_patrol(spells, home, day) if b != badge]
            officers = [badge] + ([rng.choice(partners)] if partners and rng.random() < 0.4 else [])
            incidents.append(
                Incident(
                    on=day,
                    at=_time(rng),
                    district=home,
                    officers=officers,
                    injured=rng.random() < AT_RISK_INJURED_SHARE,
                )
            )

    days = (today - first).days
    wanted = FORCE_INCIDENTS_PER_YEAR * YEARS_OF_RECORDS
    codes = list(districts)
    populations = [sum(districts[c].population_by_group.values()) for c in codes]
    while len(incidents) < wanted:
        day = first + datetime.timedelta(days=rng.randrange(days))
        district = rng.choices(codes, weights=populations)[0]
        serving = _on_patrol(spells, district, day)
        count = min(_weighted(rng, OFFICERS_PER_INCIDENT), len(serving))
        officers: list[str] = []
        while len(officers) < count:
            badge = rng.choices(serving, weights=[propensity[b] for b in serving])[0]
            if badge not in officers:
                officers.append(badge)
        if officers:
            incidents.append(Incident(on=day, at=_time(rng), district=district, officers=officers))
    incidents.sort(key=lambda i: (i.on, i.at or datetime.time.min, i.district, i.officers))
    return incidents


def _at_risk(
    agency: Agency, spells: list[Spell], today: datetime.date, recent_start: datetime.date
) -> list[str]:
    """The active patrol officers named in the most complaints lately (then in all time)."""
    patrol = {s.badge for s in spells if s.start <= today < s.end}
    active = set(
        agency.officers.filter(
            status=OfficerStatus.ACTIVE, badge_number__in=patrol, user_account__isnull=True
        ).values_list("badge_number", flat=True)
    )
    named = InvolvedOfficer.objects.filter(
        role=OfficerRole.SUBJECT,
        officer__badge_number__in=active,
        report__kind=Kind.COMPLAINT,
        report__merged_into__isnull=True,
    )
    counts = named.values("officer__badge_number").annotate(
        total=Count("report", distinct=True),
        recent=Count(
            "report", distinct=True, filter=Q(report__received_at__date__gte=recent_start)
        ),
    )
    recent = {row["officer__badge_number"]: (row["recent"], row["total"]) for row in counts}
    ranked = sorted(active, key=lambda b: (*(-n for n in recent.get(b, (0, 0))), b))
    return ranked[:AT_RISK_OFFICERS]


def _home_district(spells: list[Spell], badge: str, day: datetime.date) -> str:
    return next(s.district for s in spells if s.badge == badge and s.start <= day < s.end)


def _from_complaint(
    report: Report,
    officers: list[str],
    spells: list[Spell],
    districts: dict[str, DistrictInfo],
    rng: random.Random,
) -> Incident:
    """The incident a complaint tells of, as the agency's own use-of-force report gives it."""
    day = report.incident_date
    district = report.district.code if report.district_id else ""
    if not district:
        homes = [s.district for s in spells if s.badge in officers and s.start <= day < s.end]
        district = homes[0] if homes else rng.choice(sorted(districts))
    return Incident(
        on=day,
        at=report.incident_time or _time(rng),
        district=district,
        officers=list(officers),
        complaint=report.reference,
    )


def _time(rng: random.Random) -> datetime.time | None:
    if rng.random() < 0.04:
        return None
    return datetime.time(rng.choices(range(24), weights=HOURS)[0], rng.randrange(60))


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _force_types(rng: random.Random) -> list[str]:
    types = [_weighted(rng, FORCE_TYPES)]
    if rng.random() < 0.3:
        other = _weighted(rng, FORCE_TYPES)
        if other not in types:
            types.append(other)
    return types


def _write_force(path: Path, incidents: list[Incident], rng: random.Random) -> None:
    """One row per officer per incident, as agencies export them."""
    districts = {d.code: d for d in district_infos()}
    serial: Counter = Counter()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FORCE_HEADER)
        writer.writeheader()
        for incident in incidents:
            serial[incident.on.year] += 1
            district = districts[incident.district]
            race = "unknown"
            if rng.random() > 0.03:
                race = rng.choices(
                    GROUPS,
                    weights=[
                        district.population_by_group.get(g, 0) * FORCE_RATES.get(g, 1.0)
                        for g in GROUPS
                    ],
                )[0]
            injured = incident.injured
            if injured is None and rng.random() > 0.04:
                injured = rng.random() < SUBJECT_INJURED_SHARE
            located = rng.random() > 0.1
            shared = {
                "incident_id": f"RPD-UOF-{incident.on.year}-{serial[incident.on.year]:04d}",
                "date": incident.on.isoformat(),
                "time": incident.at.strftime("%H:%M") if incident.at else "",
                "location": f"{rng.randint(1, 48) * 100} block of "
                f"{rng.choice(STREETS[incident.district])}",
                "lat": f"{district.latitude + rng.gauss(0, 0.008):.6f}" if located else "",
                "lng": f"{district.longitude + rng.gauss(0, 0.008):.6f}" if located else "",
                "district": incident.district,
                "subject_age": min(max(round(rng.gammavariate(5, 5.5)) + 14, 16), 80),
                "subject_race": race,
                "subject_sex": rng.choices(["male", "female"], weights=[86, 14])[0],
                "subject_injured": _yes_no(injured),
                "officer_injured": _yes_no(rng.random() < OFFICER_INJURED_SHARE),
                "complaint": incident.complaint,
            }
            for badge in incident.officers:
                force_type = ";".join(_force_types(rng))
                writer.writerow({**shared, "officer_id": badge, "force_type": force_type})


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("TRUE" if value else "FALSE")


# --- Summary -----------------------------------------------------------------------------------


def summarise(today: datetime.date) -> Records:
    stops_batch = _demo_batch(BatchKind.STOPS)
    force_batch = _demo_batch(BatchKind.USE_OF_FORCE)
    incidents = UseOfForceIncident.objects.filter(batch=force_batch)
    recent_start = today - datetime.timedelta(days=RECENT_DAYS)
    most = (
        incidents.filter(occurred_on__gte=recent_start)
        .values("force_used__officer", "force_used__officer__badge_number")
        .annotate(
            n=Count("pk", distinct=True),
            injuries=Count("pk", distinct=True, filter=Q(subject_injured=True)),
        )
        .order_by("-n", "-injuries", "force_used__officer__badge_number")[:AT_RISK_OFFICERS]
    )
    at_risk = []
    for row in most:
        officer_id = row["force_used__officer"]
        complaints = (
            InvolvedOfficer.objects.filter(
                officer_id=officer_id,
                role=OfficerRole.SUBJECT,
                report__kind=Kind.COMPLAINT,
                report__merged_into__isnull=True,
                report__received_at__date__gte=recent_start,
            )
            .values("report")
            .distinct()
            .count()
        )
        officer = Officer.objects.get(pk=officer_id)
        at_risk.append(
            OfficerAtRisk(
                badge=officer.badge_number,
                name=officer.full_name,
                incidents=row["n"],
                injuries=row["injuries"],
                complaints=complaints,
            )
        )
    return Records(
        stops_batch=stops_batch.pk,
        stops=stops_batch.rows_total or 0,
        first_date=stops_batch.first_date,
        last_date=stops_batch.last_date,
        force_batch=force_batch.pk,
        incidents=incidents.count(),
        officers_using_force=ForceUsed.objects.filter(incident__batch=force_batch)
        .values("officer")
        .distinct()
        .count(),
        linked=incidents.exclude(complaint=None).count(),
        at_risk=tuple(at_risk),
    )


def describe(records: Records) -> list[str]:
    """Lines for the command's summary."""
    rates = ", ".join(f"{group} {STOP_RATES.get(group, 1.0)}" for group in GROUPS)
    hits = ", ".join(f"{group} {HIT_RATES.get(group, 0.3):.0%}" for group in GROUPS)
    lines = [
        f"  {records.stops} stops from {records.first_date} to {records.last_date} "
        f"(batch {records.stops_batch}), with these disparities planted:",
        f"    stops per resident in daylight, relative to white: {rates}",
        f"    veil of darkness: {DARKNESS_EFFECT} (log-odds of a stop being of a Black rather "
        "than a white driver after dusk)",
        f"    searches that find contraband: {hits}",
        f"  {records.incidents} use-of-force incidents (batch {records.force_batch}) by "
        f"{records.officers_using_force} officers, {records.linked} linked to complaints",
    ]
    if records.at_risk:
        lines.append(f"  Most force in the last {RECENT_DAYS} days:")
        lines += [
            f"    {o.name} (#{o.badge}): {o.incidents} incidents, {o.injuries} injuring the "
            f"subject; {o.complaints} complaints"
            for o in records.at_risk
        ]
    return lines
