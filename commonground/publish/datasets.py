"""Every public dataset, declared once. Nothing else is public.

Two kinds:
- **Count tables**: counts cut from one family of records (complaints received, allegations...)
  by one or two dimensions, with their totals, under small-count suppression. All the tables of a
  family are suppressed together (see disclosure.py), at each release.
- **Record sets**: one row per record, with only the fields listed here: no names, contact
  details, narratives or other free text, exact places or dates of birth. Dates are months and
  places are districts. Officer fields appear only when the agency publishes officer data.

Dashboards, the API and the bulk files all read these declarations and nothing else.
"""

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import polars as pl
from django.db.models import Count, QuerySet, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from commonground.complaints import selectors as complaints
from commonground.complaints.models import AllegationCategory, Channel, Finding, Kind, Outcome
from commonground.lib.crypto import keyed_hash
from commonground.lib.rounding import rounded
from commonground.oversight import selectors as oversight
from commonground.oversight.models import DisciplineLevel
from commonground.publish.anonymity import WITHHELD as WITHHELD_VALUE
from commonground.publish.anonymity import Hierarchy, categorical, period
from commonground.publish.disclosure import Group, Grouping
from commonground.roster.models import District, Race
from commonground.stops.models import ForceType
from commonground.stops.selectors import (
    StopFilter,
    analyse,
    published_force_used,
    published_incidents,
    scan_stops,
)

# A district's code as a query may give it: up to 20 characters, none of them a control character.
DISTRICT_PATTERN = r"^[^\x00-\x1f]{1,20}$"

# The value a dimension takes on a row of totals.
ALL = "all"
UNKNOWN = "unknown"


class FieldType:
    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    NUMBER = "number"
    MONTH = "month"  # "2026-03"
    YEAR = "year"  # "2026"

    ALL = ("string", "integer", "number", "boolean", "month", "year")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    meaning: Promise
    # The allowed values and what each means; empty when any value of the type may appear.
    values: Sequence[tuple[str, Promise | str]] = ()
    nullable: bool = False


# --- Dimensions of count tables -------------------------------------------------------------


def _months(observed: set[str]) -> list[str]:
    """Every month from the first one with a record to this one, with or without records."""
    today = timezone.localdate()
    last = f"{today:%Y-%m}"
    first = min(observed | {last})
    year, month = int(first[:4]), int(first[5:])
    months = []
    while (value := f"{year:04d}-{month:02d}") <= last:
        months.append(value)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_label(value: str) -> str:
    return formats.date_format(
        datetime.date(int(value[:4]), int(value[5:]), 1), "YEAR_MONTH_FORMAT"
    )


def _districts(_seen) -> list[tuple[str, str]]:
    """Each district code once. A code is unique within its agency only, and the records are
    counted by code, so a code two agencies share is one value, named after both areas."""
    names: dict[str, list[str]] = {}
    for code, name in District.objects.order_by("code", "name").values_list("code", "name"):
        if name not in names.setdefault(code, []):
            names[code].append(name)
    return [(code, " / ".join(areas)) for code, areas in names.items()] + [
        (UNKNOWN, _("Not known"))
    ]


class DistrictValues(Sequence):
    """A field's allowed values that are the agency's districts, each code with its area's name,
    read from the roster when the dictionary is shown (districts change; declarations do not)."""

    def __init__(self, extra: Sequence[tuple[str, Promise]] = ()):
        self.extra = tuple(extra)

    def _values(self) -> list[tuple[str, Promise | str]]:
        return [*_districts({}), *self.extra]

    def __getitem__(self, index):
        return self._values()[index]

    def __len__(self) -> int:
        return len(self._values())

    def __iter__(self):
        return iter(self._values())


@dataclass(frozen=True)
class Dimension:
    name: str
    type: str
    meaning: Promise
    # (value, label) pairs, given the values seen in the records, by dimension: months run
    # without gaps from the first month seen, and years are the years of those months.
    domain: Callable[[dict[str, set[str]]], Sequence[tuple[str, Promise | str]]]
    # A coarser dimension this one adds up into, and how (a month into its year).
    rolls_up_to: tuple[str, Callable[[str], str]] | None = None
    # For values that depend on the records (months, districts): the form a value must have.
    # Without one, the values are fixed and the domain lists them all.
    pattern: str = ""

    def fixed_values(self) -> list[str]:
        return [] if self.pattern else [value for value, _label in self.domain({})]


def _choices(choices, extra: Sequence[tuple[str, Promise]] = ()):
    return lambda _seen: list(choices.choices) + list(extra)


YES_NO_UNKNOWN = [("yes", _("Yes")), ("no", _("No")), (UNKNOWN, _("Not recorded"))]
CONCURRENCE = [
    ("followed", _("Followed the board")),
    ("differed", _("Differed from the board")),
]
STOP_TYPES = [("vehicular", _("Vehicle stop")), ("pedestrian", _("Pedestrian stop"))]


def yes_no(value: bool | None) -> str:
    return UNKNOWN if value is None else ("yes" if value else "no")


DAYS_BANDS = [
    ("0-30", _("30 days or fewer")),
    ("31-90", _("31 to 90 days")),
    ("91-180", _("91 to 180 days")),
    ("181-365", _("181 to 365 days")),
    ("over-365", _("More than a year")),
]


def days_band(days: int) -> str:
    for value, upper in (("0-30", 30), ("31-90", 90), ("91-180", 180), ("181-365", 365)):
        if days <= upper:
            return value
    return "over-365"


DIMENSIONS = {
    d.name: d
    for d in [
        Dimension(
            "month",
            FieldType.MONTH,
            _("Calendar month, in the agency's time zone"),
            lambda seen: [(m, month_label(m)) for m in _months(seen.get("month", set()))],
            rolls_up_to=("year", lambda month: month[:4]),
            pattern=rf"^((19|20)\d{{2}}-(0[1-9]|1[0-2])|{ALL})$",
        ),
        Dimension(
            "year",
            FieldType.YEAR,
            _("Calendar year"),
            lambda seen: [
                (y, y) for y in sorted({m[:4] for m in _months(seen.get("month", set()))})
            ],
            pattern=rf"^((19|20)\d{{2}}|{ALL})$",
        ),
        Dimension("channel", FieldType.STRING, _("How the report reached us"), _choices(Channel)),
        Dimension(
            "district",
            FieldType.STRING,
            _("Police district where it happened (its code)"),
            _districts,
            pattern=DISTRICT_PATTERN,
        ),
        Dimension(
            "category",
            FieldType.STRING,
            _("Kind of misconduct alleged"),
            _choices(AllegationCategory),
        ),
        Dimension(
            "finding",
            FieldType.STRING,
            _("What the investigation concluded about the allegation"),
            _choices(Finding, [("pending", _("No finding yet"))]),
        ),
        Dimension(
            "outcome",
            FieldType.STRING,
            _("How the complaint ended"),
            _choices(Outcome),
        ),
        Dimension(
            "subject_race",
            FieldType.STRING,
            _("Race of the person stopped or subject to force, as the officer recorded it"),
            _choices(Race),
        ),
        Dimension(
            "subject_injured",
            FieldType.STRING,
            _("Whether the person was injured"),
            lambda _seen: YES_NO_UNKNOWN,
        ),
        Dimension(
            "force_type",
            FieldType.STRING,
            _("Kind of force an officer used"),
            _choices(ForceType),
        ),
        Dimension(
            "agency_decision",
            FieldType.STRING,
            _("Whether the agency's decision followed the board's recommendation"),
            lambda _seen: CONCURRENCE,
        ),
        Dimension(
            "discipline",
            FieldType.STRING,
            _("Discipline the agency decided on"),
            lambda _seen: [(d.code, d.name) for d in DisciplineLevel.objects.order_by("rank")],
            pattern=r"^[-a-zA-Z0-9_]{1,40}$",
        ),
        Dimension(
            "stop_type",
            FieldType.STRING,
            _("Kind of stop"),
            lambda _seen: STOP_TYPES,
        ),
        Dimension(
            "contraband_found",
            FieldType.STRING,
            _("Whether the search found contraband"),
            lambda _seen: YES_NO_UNKNOWN,
        ),
        Dimension(
            "days_to_close",
            FieldType.STRING,
            _("Days from receiving the complaint to closing it"),
            lambda _seen: DAYS_BANDS,
        ),
    ]
}


# What a row of a table is "for each" of, in a phrase: "one row for each year and channel".
SHORT_NAMES = {
    "month": _("month"),
    "year": _("year"),
    "channel": _("channel"),
    "district": _("district"),
    "category": _("category"),
    "finding": _("finding"),
    "outcome": _("outcome"),
    "subject_race": _("race"),
    "subject_injured": _("injury"),
    "force_type": _("kind of force"),
    "agency_decision": _("decision"),
    "discipline": _("discipline"),
    "stop_type": _("kind of stop"),
    "contraband_found": _("search result"),
    "days_to_close": _("time to close"),
}


# --- Families of records that count tables are cut from ---------------------------------------


def _month(value) -> str:
    return f"{timezone.localtime(value) if isinstance(value, datetime.datetime) else value:%Y-%m}"


def _complaints_received() -> Iterable[tuple[dict, int]]:
    return _received(Kind.COMPLAINT)


def _commendations_received() -> Iterable[tuple[dict, int]]:
    return _received(Kind.COMMENDATION)


def _received(kind: str) -> Iterable[tuple[dict, int]]:
    rows = (
        complaints.published_reports(kind)
        .annotate(m=TruncMonth("received_at"), d=Coalesce("district__code", Value(UNKNOWN)))
        .values("m", "channel", "d")
        .annotate(n=Count("id"))
    )
    for row in rows:
        yield {"month": _month(row["m"]), "channel": row["channel"], "district": row["d"]}, row["n"]


def _complaints_closed() -> Iterable[tuple[dict, int]]:
    rows = complaints.published_closed_reports(Kind.COMPLAINT).values_list(
        "received_at", "closed_at", "outcome"
    )
    counts: dict[tuple, int] = {}
    for received_at, closed_at, outcome in rows.iterator(chunk_size=5000):
        days = (timezone.localdate(closed_at) - timezone.localdate(received_at)).days
        cell = (_month(closed_at), days_band(days), outcome or Outcome.CLOSED_ADMINISTRATIVELY)
        counts[cell] = counts.get(cell, 0) + 1
    for (month, band, outcome), n in counts.items():
        yield {"month": month, "days_to_close": band, "outcome": outcome}, n


def _allegations() -> Iterable[tuple[dict, int]]:
    rows = (
        complaints.published_allegations()
        .annotate(m=TruncMonth("report__received_at"))
        .values("m", "category", "final_finding")
        .annotate(n=Count("id"))
    )
    for row in rows:
        values = {
            "month": _month(row["m"]),
            "category": row["category"],
            "finding": row["final_finding"] or "pending",
        }
        yield values, row["n"]


def _force_incidents() -> Iterable[tuple[dict, int]]:
    rows = (
        published_incidents()
        .values("occurred_on", "district__code", "subject_race", "subject_injured")
        .annotate(n=Count("id"))
    )
    for row in rows:
        values = {
            "month": _month(row["occurred_on"]),
            "district": row["district__code"],
            "subject_race": row["subject_race"],
            "subject_injured": yes_no(row["subject_injured"]),
        }
        yield values, row["n"]


def _force_types() -> Iterable[tuple[dict, int]]:
    counts: dict[tuple[str, str], int] = {}
    for occurred_on, types in published_force_used().values_list("incident__occurred_on", "types"):
        for force_type in set(types):
            cell = (_month(occurred_on), force_type)
            counts[cell] = counts.get(cell, 0) + 1
    for (month, force_type), n in counts.items():
        yield {"month": month, "force_type": force_type}, n


def _agency_decisions() -> Iterable[tuple[dict, int]]:
    rows = (
        oversight.published_decisions()
        .annotate(m=TruncMonth("decided_at"))
        .values("m", "concurs_with_board")
        .annotate(n=Count("id"))
    )
    for row in rows:
        decision = "followed" if row["concurs_with_board"] else "differed"
        yield {"month": _month(row["m"]), "agency_decision": decision}, row["n"]


def _discipline() -> Iterable[tuple[dict, int]]:
    rows = (
        oversight.published_discipline()
        .annotate(m=TruncMonth("decision__decided_at"))
        .values("m", "discipline__code")
        .annotate(n=Count("id"))
    )
    for row in rows:
        yield {"month": _month(row["m"]), "discipline": row["discipline__code"]}, row["n"]


def _stops() -> Iterable[tuple[dict, int]]:
    grouped = (
        scan_stops()
        .group_by(
            pl.col("date").dt.strftime("%Y-%m").alias("month"),
            pl.col("district").fill_null(UNKNOWN),
            pl.col("subject_race").cast(pl.String).fill_null(Race.UNKNOWN),
            pl.col("type").cast(pl.String).alias("stop_type"),
        )
        .agg(n=pl.len())
        .collect()
    )
    known = {code for code, _label in _districts({})}
    for month, district, race, stop_type, n in grouped.iter_rows():
        district = district if district in known else UNKNOWN
        yield (
            {"month": month, "district": district, "subject_race": race, "stop_type": stop_type},
            n,
        )


def _searches() -> Iterable[tuple[dict, int]]:
    grouped = (
        scan_stops()
        .filter(pl.col("search_conducted"))
        .group_by(
            pl.col("date").dt.strftime("%Y-%m").alias("month"),
            pl.col("subject_race").cast(pl.String).fill_null(Race.UNKNOWN),
            pl.col("contraband_found"),
        )
        .agg(n=pl.len())
        .collect()
    )
    for month, race, found, n in grouped.iter_rows():
        yield {"month": month, "subject_race": race, "contraband_found": yes_no(found)}, n


@dataclass(frozen=True)
class Family:
    slug: str
    unit: Promise  # what one counts, in a phrase: "complaints received"
    counts: Callable[[], Iterable[tuple[dict, int]]]


COMPLAINTS = Family("complaints", _("complaints received"), _complaints_received)
CLOSED = Family("closed", _("complaints closed"), _complaints_closed)
ALLEGATIONS = Family("allegations", _("allegations"), _allegations)
COMMENDATIONS = Family("commendations", _("commendations received"), _commendations_received)
FORCE = Family("force", _("use-of-force incidents"), _force_incidents)
FORCE_TYPES = Family(
    "force-types", _("kinds of force used (each officer, each incident)"), _force_types
)
DECISIONS = Family(
    "decisions", _("agency decisions on cases the board reviewed"), _agency_decisions
)
DISCIPLINE = Family("discipline", _("allegations given final discipline"), _discipline)
STOPS = Family("stops", _("stops"), _stops)
SEARCHES = Family("searches", _("searches during stops"), _searches)


@dataclass(frozen=True)
class CountTable:
    slug: str
    title: Promise
    description: Promise
    family: Family
    dimensions: tuple[str, ...]
    kind: str = field(default="counts", init=False)

    @property
    def grain(self) -> str:
        names = [str(SHORT_NAMES[d]) for d in self.dimensions]
        if len(names) == 1:
            return gettext("%(unit)s: one row for each %(a)s, and the total") % {
                "unit": self.family.unit,
                "a": names[0],
            }
        return gettext("%(unit)s: one row for each %(a)s and %(b)s, with totals") % {
            "unit": self.family.unit,
            "a": names[0],
            "b": names[1],
        }

    disclosure = _(
        "Counts from 1 to the suppression threshold are hidden, and so are a few more, chosen so "
        "that no hidden count can be worked out from the totals or from the other tables."
    )

    def fields(self, domains: dict[str, Sequence[tuple[str, str]]]) -> list[Field]:
        dims = [
            Field(
                d,
                DIMENSIONS[d].type,
                DIMENSIONS[d].meaning,
                [*domains[d], (ALL, value_label(d, ALL))],
            )
            for d in self.dimensions
        ]
        return [
            *dims,
            Field(
                "count",
                FieldType.INTEGER,
                _("How many; empty when suppressed"),
                nullable=True,
            ),
            Field(
                "suppressed",
                FieldType.BOOLEAN,
                _("True when the count is hidden to protect the people in it"),
            ),
        ]


# --- Record sets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordSet:
    slug: str
    title: Promise
    description: Promise
    grain: Promise
    fields_always: tuple[Field, ...]
    fields_officer: tuple[Field, ...]
    # The source rows (dicts of raw values), given whether officer fields are published.
    rows: Callable[[bool], QuerySet]
    # One source row as published before coarsening: the declared fields at their finest, and
    # PERSON, the internal key of who the row is about (dropped before publication).
    present: Callable[[dict], dict]
    # Quasi-identifiers: those of the person's record as a whole (the same on each of its
    # rows), and those of one row, each with its steps to withheld (see anonymity.py).
    person_fields: tuple[Hierarchy, ...]
    row_fields: tuple[Hierarchy, ...]
    row_fields_officer: tuple[Hierarchy, ...]
    # The order in which quasi-identifiers give way, least telling (to researchers) first.
    local_order: tuple[str, ...]
    # What the rows tell about each family of count tables (see disclosure.audit_surfaces).
    groupings: Callable[[pl.DataFrame], dict[str, Grouping]]
    kind: str = field(default="records", init=False)
    disclosure = _(
        "Only the fields listed: no names, contact details, descriptions or other free text. "
        "Identifiers are random codes, not the agency's case numbers, and rows are in no "
        "particular order. Months become quarters or years, and other fields read 'withheld', "
        "wherever no more complaints than the suppression threshold would otherwise "
        "share the same values, so every combination of values in the file belongs to more "
        "complaints than that; and no count the tables hide can be worked out from the rows. "
        "Officers are named only where the agency has decided to publish officer data."
    )

    def fields(self, officer_data: bool) -> list[Field]:
        return list(self.fields_always) + (list(self.fields_officer) if officer_data else [])

    def quasi_identifiers(self, officer_data: bool) -> tuple[Hierarchy, ...]:
        officer = self.row_fields_officer if officer_data else ()
        return (*self.person_fields, *self.row_fields, *officer)


PERSON = "_person"


def public_id(kind: str, pk: int) -> str:
    """A record's identifier in public data: stable from release to release, but random to
    anyone without the server's key, so it neither gives the internal number away nor sorts
    by when the record was made."""
    return keyed_hash(f"{kind}:{pk}", "public-id")[:16]


def _allegation_rows(officer_data: bool) -> QuerySet:
    names = [
        "id",
        "report_id",
        "report__received_at",
        "report__channel",
        "report__district__code",
        "report__status",
        "report__outcome",
        "category",
        "final_finding",
        "closed_at",
    ]
    if officer_data:
        names += [
            "involved_officer__officer__badge_number",
            "involved_officer__officer__first_name",
            "involved_officer__officer__last_name",
        ]
    return (
        complaints.published_allegations()
        .annotate(closed_at=complaints.closed_at("report_id"))
        .order_by("id")
        .values(*names)
    )


def _present_allegation(row: dict) -> dict:
    ended = row["report__status"] in complaints.ENDED
    received_at, closed_at = row["report__received_at"], row["closed_at"] if ended else None
    published = {
        "allegation_id": public_id("allegation", row["id"]),
        "complaint_id": public_id("complaint", row["report_id"]),
        "received_period": _month(received_at),
        "channel": row["report__channel"],
        "district": row["report__district__code"] or UNKNOWN,
        "category": row["category"],
        "finding": row["final_finding"] or None,
        # As the closed-complaint tables count it.
        "outcome": (row["report__outcome"] or Outcome.CLOSED_ADMINISTRATIVELY) if ended else None,
        "closed_period": _month(closed_at) if closed_at else None,
        "days_to_close": (
            days_band((timezone.localdate(closed_at) - timezone.localdate(received_at)).days)
            if closed_at
            else None
        ),
        PERSON: row["report_id"],
    }
    if "involved_officer__officer__badge_number" in row:
        last = row["involved_officer__officer__last_name"]
        badge = row["involved_officer__officer__badge_number"]
        name = f"{row['involved_officer__officer__first_name']} {last}" if last else None
        # One field for coarsening (badge and name go together), split when written.
        published["officer"] = f"{badge or ''}\x1f{name or ''}" if (badge or name) else None
    return published


def months_of(published: str | None) -> frozenset[str] | None:
    """The months a published period may stand for; None when it may be any."""
    if published in (None, WITHHELD_VALUE):
        return None
    if len(published) == 7 and published[4] == "-" and published[5] != "Q":
        return frozenset([published])
    year_ = published[:4]
    if "-Q" in published:
        first = (int(published[-1]) - 1) * 3 + 1
        return frozenset(f"{year_}-{m:02d}" for m in range(first, first + 3))
    return frozenset(f"{year_}-{m:02d}" for m in range(1, 13))


def _allowed(**published) -> dict[str, frozenset[str]]:
    """A group's published values as the sets of finest values they may stand for."""
    allowed = {}
    for dimension, value in published.items():
        if dimension == "month":
            months = months_of(value)
            if months is not None:
                allowed["month"] = months
        elif value != WITHHELD_VALUE:
            allowed[dimension] = frozenset([value])
    return allowed


def _allegation_groupings(frame: pl.DataFrame) -> dict[str, Grouping]:
    """The published rows, as the families of count tables they overlap see them: allegations
    (every one is a row), complaints received and complaints closed (those with allegations)."""
    allegations = frame.group_by("received_period", "category", "finding").agg(n=pl.len())
    received = frame.group_by("received_period", "channel", "district").agg(
        n=pl.col(PERSON).n_unique()
    )
    ended = frame.filter(pl.col("closed_period").is_not_null())
    closed = ended.group_by("closed_period", "days_to_close", "outcome").agg(
        n=pl.col(PERSON).n_unique()
    )
    return {
        ALLEGATIONS.slug: Grouping(
            tuple(
                Group(_allowed(month=m, category=c, finding=f or "pending"), n)
                for m, c, f, n in allegations.iter_rows()
            ),
            complete=True,
        ),
        COMPLAINTS.slug: Grouping(
            tuple(
                Group(_allowed(month=m, channel=ch, district=d), n)
                for m, ch, d, n in received.iter_rows()
            ),
            complete=False,
        ),
        CLOSED.slug: Grouping(
            tuple(
                Group(
                    _allowed(month=m, days_to_close=b, outcome=o),
                    n,
                    # With every field withheld, the complaints may still be open.
                    certain=(m, b, o) != (WITHHELD_VALUE,) * 3,
                )
                for m, b, o, n in closed.iter_rows()
                # An empty field says the complaint is open.
                if None not in (b, o)
            ),
            complete=False,
        ),
    }


ALLEGATION_RECORDS = RecordSet(
    slug="allegation-records",
    title=_("Allegations, one row each"),
    description=_(
        "Every allegation of misconduct in a complaint, with when and how the complaint came in, "
        "the district, the kind of misconduct, the finding and how long it took to close."
    ),
    grain=_("one row per allegation"),
    fields_always=(
        Field("allegation_id", FieldType.STRING, _("Random code of the allegation")),
        Field(
            "complaint_id",
            FieldType.STRING,
            _("Random code of the complaint it belongs to (the same on each of its rows)"),
        ),
        Field(
            "received_period",
            FieldType.STRING,
            _(
                "When the complaint was received: a month (2026-03), a quarter (2026-Q1), a "
                "year (2026) or 'withheld'"
            ),
        ),
        Field(
            "channel",
            FieldType.STRING,
            _("How the complaint reached us"),
            [*Channel.choices, (WITHHELD_VALUE, _("Withheld"))],
        ),
        Field(
            "district",
            FieldType.STRING,
            _("Police district where it happened (its code), 'unknown' or 'withheld'"),
            DistrictValues(extra=((WITHHELD_VALUE, _("Withheld")),)),
        ),
        Field(
            "category",
            FieldType.STRING,
            _("Kind of misconduct alleged"),
            [*AllegationCategory.choices, (WITHHELD_VALUE, _("Withheld"))],
        ),
        Field(
            "finding",
            FieldType.STRING,
            _("What the investigation concluded; empty while it goes on"),
            [*Finding.choices, (WITHHELD_VALUE, _("Withheld"))],
            nullable=True,
        ),
        Field(
            "outcome",
            FieldType.STRING,
            _("How the complaint ended; empty while it is open"),
            [*Outcome.choices, (WITHHELD_VALUE, _("Withheld"))],
            nullable=True,
        ),
        Field(
            "closed_period",
            FieldType.STRING,
            _("When the complaint closed (month, quarter, year or 'withheld'); empty while open"),
            nullable=True,
        ),
        Field(
            "days_to_close",
            FieldType.STRING,
            _("Time from receiving the complaint to closing it; empty while it is open"),
            [*DAYS_BANDS, (WITHHELD_VALUE, _("Withheld"))],
            nullable=True,
        ),
    ),
    fields_officer=(
        Field("officer_badge", FieldType.STRING, _("Badge number of the officer"), nullable=True),
        Field("officer_name", FieldType.STRING, _("Name of the officer"), nullable=True),
    ),
    rows=_allegation_rows,
    present=_present_allegation,
    person_fields=(
        period("received_period"),
        categorical("channel"),
        categorical("district"),
        categorical("outcome"),
        period("closed_period"),
        categorical("days_to_close"),
    ),
    local_order=(
        "days_to_close",
        "closed_period",
        "channel",
        "outcome",
        "officer",
        "finding",
        "received_period",
        "category",
        "district",
    ),
    row_fields=(categorical("finding"), categorical("category")),
    row_fields_officer=(categorical("officer"),),
    groupings=_allegation_groupings,
)


# --- Estimates: figures from the stop analyses, with their 95% intervals --------------------


@dataclass(frozen=True)
class EstimateSet:
    slug: str
    title: Promise
    description: Promise
    grain: Promise
    declared_fields: tuple[Field, ...]
    # The rows, given `hidden(family, **cell)`: whether a count the estimate is worked out from
    # is suppressed in the release (then the estimate is withheld too, or it would give it away);
    # and the release's suppression threshold, for counts of its own.
    rows: Callable[[Callable[..., bool], int], list[dict]]
    kind: str = field(default="estimates", init=False)
    disclosure = _(
        "An estimate is withheld when a count it is worked out from is suppressed, or when there "
        "is too little data for a reliable figure."
    )

    @property
    def filters(self) -> tuple[str, ...]:
        return ("measure", "group")

    def fields(self) -> list[Field]:
        return list(self.declared_fields)


MEASURES = [
    ("stop_rate", _("Stops per 1,000 residents per year")),
    (
        "stop_ratio",
        _("Stop rate divided by the reference group's, all districts summed (the crude ratio)"),
    ),
    (
        "stop_ratio_standardised",
        _(
            "Stop rate divided by the reference group's within each district, pooled over "
            "districts (district-standardised, like the Mantel-Haenszel rate ratio): where "
            "police are deployed does not count as a difference between groups"
        ),
    ),
    ("search_ratio", _("Searches per resident, divided by the reference group's (crude)")),
    (
        "search_ratio_standardised",
        _("Searches per resident, divided by the reference group's within districts"),
    ),
    ("hit_rate", _("Share of searches that found contraband")),
    ("hit_rate_difference", _("Hit rate minus the reference group's")),
    (
        "darkness_odds_ratio",
        _("Veil of darkness, vehicle stops: odds of the group among stops after dark"),
    ),
    ("records_used", _("How many stop records the analysis used")),
    ("records_left_out", _("How many stop records the analysis left out, for the reason given")),
]
# How each measure is rounded (commonground.lib.rounding): the files hold the figures as the
# pages show them, so a number read off a page is the number in the download.
MEASURE_KINDS = {
    "stop_rate": "rate",
    "stop_ratio": "ratio",
    "stop_ratio_standardised": "ratio",
    "search_ratio": "ratio",
    "search_ratio_standardised": "ratio",
    "hit_rate": "share",
    "hit_rate_difference": "share",
    "darkness_odds_ratio": "ratio",
    "records_used": "count",
    "records_left_out": "count",
}
ANALYSES = [
    ("benchmark", _("Stops and searches per resident")),
    ("outcome_test", _("Searches and what they find (the outcome test)")),
    ("veil_of_darkness", _("Veil-of-darkness test, on vehicle stops as the OPP runs it")),
]
NOT_VEHICLE = "not_vehicle"
LEFT_OUT_REASONS = [
    ("outside_districts", _("The district is missing or not one of the agency's")),
    ("unknown_race", _("The person's race was not recorded")),
    ("other_group", _("The person was of neither group compared")),
    ("no_location", _("The district has no map position for sunset and dusk")),
    ("no_time", _("No time of the stop was recorded")),
    ("outside_window", _("Made outside the district's twilight hours")),
    ("no_dusk", _("Made on an evening when civil dusk never comes (far north in summer)")),
    (
        "sunset_to_dusk",
        _("Made from the minute of sunset to the minute of civil dusk: neither light nor dark"),
    ),
    ("one_group_district", _("Made in a district where only one of the groups was stopped")),
    (
        "no_search_record",
        _("Whether a search was made was not recorded (left out of search rates)"),
    ),
    ("no_search_result", _("A search whose result was not recorded (left out of hit rates)")),
    (NOT_VEHICLE, _("Not a vehicle stop: the veil-of-darkness test uses vehicle stops")),
]
INTERVALS = [
    ("exact_poisson", _("Exact: Garwood's interval for a Poisson count")),
    (
        "exact_conditional",
        _("Exact: the conditional interval for a ratio of two Poisson rates (Clopper-Pearson)"),
    ),
    (
        "cluster_robust",
        _("Approximate: a normal interval with a cluster-robust variance, officers as clusters"),
    ),
    ("wald", _("Approximate: a normal interval from the model's own variance")),
    ("wilson", _("Approximate: Wilson's score interval")),
    ("normal", _("Approximate: a normal interval from a standard error")),
]
WITHHELD = [
    ("small_count", _("A count it is worked out from is suppressed")),
    ("too_little_data", _("Too little data for a reliable figure")),
]


def _stop_disparities(hidden: Callable[..., bool], threshold: int) -> list[dict]:
    from commonground.stops.analysis import Estimate, NotEnoughData
    from commonground.stops.selectors import loaded_stops_summary

    rows = []

    def add(analysis, measure, group, reference, estimate, *, counts_hidden):
        value = estimate.value
        withheld = None
        if counts_hidden:
            withheld, value = "small_count", None
        elif value is None:
            withheld = "too_little_data"
        shown = withheld is None
        kind = MEASURE_KINDS[measure]
        rows.append(
            {
                "measure": measure,
                "analysis": analysis,
                "group": group,
                "reference_group": reference or None,
                "reason": None,
                "value": rounded(value, kind),
                "low": rounded(estimate.low, kind) if shown else None,
                "high": rounded(estimate.high, kind) if shown else None,
                "interval": estimate.method.value if shown and estimate.method else None,
                "interval_approximate": estimate.approximate if shown else None,
                "withheld": withheld,
            }
        )

    def add_records(analysis, used, left_out):
        """How many records an analysis used and left out, and why; counts from 1 to the
        threshold are withheld, and if only one left-out count is, the next smallest too, so
        that the used and left-out counts cannot give it back from the total of stops."""
        counts = [("records_used", None, used), *(("records_left_out", r, n) for r, n in left_out)]
        small = {i for i, (_m, _r, n) in enumerate(counts) if 1 <= n <= threshold}
        if len(small) == 1:
            others = [(n, i) for i, (_m, _r, n) in enumerate(counts) if n and i not in small]
            if others:
                small.add(min(others)[1])
        for i, (measure, reason, n) in enumerate(counts):
            rows.append(
                {
                    "measure": measure,
                    "analysis": analysis,
                    "group": None,
                    "reference_group": None,
                    "reason": reason,
                    "value": None if i in small else float(n),
                    "low": None,
                    "high": None,
                    "interval": None,
                    "interval_approximate": None,
                    "withheld": "small_count" if i in small else None,
                }
            )

    def stops_hidden(*groups, **cell):
        return any(hidden(STOPS, subject_race=g, **cell) for g in groups)

    try:
        bench = analyse("benchmark", StopFilter())
    except NotEnoughData:
        bench = None
    if bench is not None:
        reference = bench.reference_group
        for cell in bench.overall:
            small = stops_hidden(cell.group, reference)
            add(
                "benchmark",
                "stop_rate",
                cell.group,
                "",
                cell.stop_rate,
                counts_hidden=stops_hidden(cell.group),
            )
            if cell.group == reference:
                continue
            for measure in ("stop_ratio", "stop_ratio_standardised"):
                estimate = getattr(cell, measure) or Estimate.withheld(None)
                add("benchmark", measure, cell.group, reference, estimate, counts_hidden=small)
            for measure in ("search_ratio", "search_ratio_standardised"):
                estimate = getattr(cell, measure) or Estimate.withheld(None)
                add("benchmark", measure, cell.group, reference, estimate, counts_hidden=small)
        add_records("benchmark", bench.used, [(r.value, n) for r, n in bench.left_out])
    try:
        outcomes = analyse("outcomes", StopFilter())
    except NotEnoughData:
        outcomes = None
    if outcomes is not None:
        reference = outcomes.reference_group

        def hits_hidden(*groups):
            return any(
                hidden(SEARCHES, subject_race=g, contraband_found="yes")
                or hidden(SEARCHES, subject_race=g)
                for g in groups
            )

        for summary in outcomes.overall:
            add(
                "outcome_test",
                "hit_rate",
                summary.group,
                "",
                summary.hit_rate,
                counts_hidden=hits_hidden(summary.group),
            )
            if summary.group != reference:
                add(
                    "outcome_test",
                    "hit_rate_difference",
                    summary.group,
                    reference,
                    summary.hit_rate_difference,
                    counts_hidden=hits_hidden(summary.group, reference),
                )
        add_records("outcome_test", outcomes.used, [(r.value, n) for r, n in outcomes.left_out])
    # As the Stanford Open Policing Project runs it: on vehicle stops, whose drivers' race is
    # what darkness hides; the other stops are counted as left out.
    try:
        vod = analyse("veil_of_darkness", StopFilter(stop_type="vehicular"))
    except NotEnoughData:
        vod = None
    if vod is not None:
        add(
            "veil_of_darkness",
            "darkness_odds_ratio",
            vod.minority,
            vod.majority,
            Estimate(
                vod.odds_ratio,
                vod.odds_ratio_low,
                vod.odds_ratio_high,
                vod.standard_error,
                method=vod.method,
            ),
            counts_hidden=stops_hidden(vod.minority, vod.majority)
            or stops_hidden(vod.minority, vod.majority, stop_type="vehicular"),
        )
        not_vehicle = sum(
            n for kind, n in loaded_stops_summary().by_type.items() if kind != "vehicular"
        )
        left_out = [(r.value, n) for r, n in vod.left_out]
        add_records(
            "veil_of_darkness",
            vod.used,
            [*left_out, (NOT_VEHICLE, not_vehicle)] if not_vehicle else left_out,
        )
    return rows


STOP_DISPARITIES = EstimateSet(
    slug="stop-disparities",
    title=_("Disparities in stops and searches"),
    description=_(
        "How often people of each race are stopped and searched compared with white residents, "
        "across all districts and within districts, how often searches find contraband, and "
        "the veil-of-darkness test on vehicle stops, each with its 95% interval and how the "
        "interval was worked out, across all the agency's stops; and for each analysis how many "
        "stop records it used and how many it left out, and why."
    ),
    grain=_(
        "one row per analysis, measure and group; and per analysis, the records used and the "
        "records left out for each reason"
    ),
    declared_fields=(
        Field("measure", FieldType.STRING, _("What is measured"), MEASURES),
        Field("analysis", FieldType.STRING, _("The analysis the figure comes from"), ANALYSES),
        Field(
            "group",
            FieldType.STRING,
            _("Race of the people stopped; empty for counts of records"),
            Race.choices,
            nullable=True,
        ),
        Field(
            "reference_group",
            FieldType.STRING,
            _("The group compared with; empty for a group's own rate"),
            Race.choices,
            nullable=True,
        ),
        Field(
            "reason",
            FieldType.STRING,
            _("Why the records were left out; only for records_left_out"),
            LEFT_OUT_REASONS,
            nullable=True,
        ),
        Field("value", FieldType.NUMBER, _("The estimate, or the count of records"), nullable=True),
        Field("low", FieldType.NUMBER, _("Lower end of the 95% interval"), nullable=True),
        Field("high", FieldType.NUMBER, _("Upper end of the 95% interval"), nullable=True),
        Field(
            "interval",
            FieldType.STRING,
            _("How the 95% interval was worked out; empty when there is none"),
            INTERVALS,
            nullable=True,
        ),
        Field(
            "interval_approximate",
            FieldType.BOOLEAN,
            _("Whether the interval rests on an approximation (true) or is exact (false)"),
            nullable=True,
        ),
        Field(
            "withheld",
            FieldType.STRING,
            _("Why the estimate is not shown; empty when it is"),
            WITHHELD,
            nullable=True,
        ),
    ),
    rows=_stop_disparities,
)


COUNT_TABLES = [
    CountTable(
        "complaints-by-month",
        _("Complaints received each month"),
        _("How many complaints came in each month."),
        COMPLAINTS,
        ("month",),
    ),
    CountTable(
        "complaints-by-channel",
        _("Complaints by how they reached us"),
        _(
            "Complaints received each year, online, by phone, in person, by mail and through partners."
        ),
        COMPLAINTS,
        ("year", "channel"),
    ),
    CountTable(
        "complaints-by-district",
        _("Complaints by district"),
        _("Complaints received each year, by the district where the incident happened."),
        COMPLAINTS,
        ("year", "district"),
    ),
    CountTable(
        "complaints-closed-by-month",
        _("Complaints closed each month"),
        _("How many complaints were closed each month."),
        CLOSED,
        ("month",),
    ),
    CountTable(
        "time-to-close",
        _("Time to close a complaint"),
        _("Complaints closed each year, by how long they took from receipt to closing."),
        CLOSED,
        ("year", "days_to_close"),
    ),
    CountTable(
        "complaint-outcomes",
        _("How complaints ended"),
        _("Complaints closed each year, by how they ended."),
        CLOSED,
        ("year", "outcome"),
    ),
    CountTable(
        "allegations-by-category",
        _("Allegations by kind of misconduct"),
        _("Allegations in complaints received each year, by the kind of misconduct alleged."),
        ALLEGATIONS,
        ("year", "category"),
    ),
    CountTable(
        "findings-by-category",
        _("Findings by kind of misconduct"),
        _("Every allegation, by the kind of misconduct and what the investigation found."),
        ALLEGATIONS,
        ("category", "finding"),
    ),
    CountTable(
        "use-of-force-by-month",
        _("Use of force each month"),
        _("Incidents in which officers used force on a person, each month."),
        FORCE,
        ("month",),
    ),
    CountTable(
        "use-of-force-by-district",
        _("Use of force by district"),
        _("Use-of-force incidents each year, by district."),
        FORCE,
        ("year", "district"),
    ),
    CountTable(
        "use-of-force-by-race",
        _("Use of force by race of the person"),
        _("Use-of-force incidents each year, by the race of the person force was used on."),
        FORCE,
        ("year", "subject_race"),
    ),
    CountTable(
        "use-of-force-injuries",
        _("Injuries in use of force"),
        _("Use-of-force incidents by the race of the person and whether they were injured."),
        FORCE,
        ("subject_race", "subject_injured"),
    ),
    CountTable(
        "kinds-of-force",
        _("Kinds of force used"),
        _("Each kind of force each year: one count per officer and incident."),
        FORCE_TYPES,
        ("year", "force_type"),
    ),
    CountTable(
        "board-agency-concurrence",
        _("Did the agency follow the board?"),
        _("The agency's final decisions each year on cases the civilian oversight board reviewed."),
        DECISIONS,
        ("year", "agency_decision"),
    ),
    CountTable(
        "discipline",
        _("Discipline decided"),
        _("Allegations given final discipline each year, by the level of discipline."),
        DISCIPLINE,
        ("year", "discipline"),
    ),
    CountTable(
        "stops-by-race",
        _("Stops by race"),
        _("Stops each year, by the race of the person stopped."),
        STOPS,
        ("year", "subject_race"),
    ),
    CountTable(
        "stops-by-district",
        _("Stops by district and race"),
        _("All stops, by district and the race of the person stopped."),
        STOPS,
        ("district", "subject_race"),
    ),
    CountTable(
        "stops-by-type",
        _("Stops by kind"),
        _("Stops each year, vehicle or pedestrian."),
        STOPS,
        ("year", "stop_type"),
    ),
    CountTable(
        "search-results-by-race",
        _("Searches and what they found, by race"),
        _(
            "Searches during stops, by the race of the person searched and whether contraband was found."
        ),
        SEARCHES,
        ("subject_race", "contraband_found"),
    ),
    CountTable(
        "commendations-by-month",
        _("Commendations received each month"),
        _("How many commendations of officers came in each month."),
        COMMENDATIONS,
        ("month",),
    ),
    CountTable(
        "commendations-by-district",
        _("Commendations by district"),
        _("Commendations received each year, by district."),
        COMMENDATIONS,
        ("year", "district"),
    ),
]

RECORD_SETS = [ALLEGATION_RECORDS]
ESTIMATE_SETS = [STOP_DISPARITIES]

DATASETS: dict[str, CountTable | RecordSet | EstimateSet] = {
    d.slug: d for d in [*COUNT_TABLES, *ESTIMATE_SETS, *RECORD_SETS]
}


def tables_of(family: Family) -> list[CountTable]:
    return [t for t in COUNT_TABLES if t.family is family]


FAMILIES = list({t.family.slug: t.family for t in COUNT_TABLES}.values())


def value_labels(dimension: str) -> "Labels":
    """What each value of a count table's dimension means, in the current language."""
    return Labels(dimension)


class Labels:
    """Labels of one dimension's values, read once (districts and discipline are records)."""

    def __init__(self, dimension: str):
        self.dimension = dimension
        self._known = None

    def __getitem__(self, value: str) -> str:
        if value == ALL:
            return str(_("All together (a total)"))
        if self.dimension == "month":
            return month_label(value)
        if self.dimension == "year":
            return value
        if self._known is None:
            self._known = {
                code: str(label) for code, label in DIMENSIONS[self.dimension].domain({})
            }
        return self._known.get(value, value)


def value_label(dimension: str, value: str) -> str:
    return value_labels(dimension)[value]


# --- publish: community surveys (estimates, response counts and rates of published waves) ----
# Declared here like every other dataset; the figures and their suppression are worked out in
# publish/survey_figures.py, the two sets together.

from commonground.surveys.categories import Variable as _SurveyVariable  # noqa: E402
from commonground.surveys.models import Basis as _SurveyBasis  # noqa: E402
from commonground.surveys.models import Channel as _SurveyChannel  # noqa: E402
from commonground.surveys.models import Method as _SurveyMethod  # noqa: E402


@dataclass(frozen=True)
class SurveyEstimateSet(EstimateSet):
    """An estimate set whose query filters are its own fields with fixed values."""

    filter_names: tuple[str, ...] = ()

    @property
    def filters(self) -> tuple[str, ...]:
        return self.filter_names


SURVEY_WITHHELD = [
    ("small_count", _("A count it rests on is suppressed, or too few people answered")),
    ("too_little_data", _("Too few people answered for a reliable figure")),
]


def _survey_estimates(_hidden: Callable[..., bool], threshold: int) -> list[dict]:
    from commonground.publish import survey_figures

    return survey_figures.build(threshold).estimates


def _survey_responses(_hidden: Callable[..., bool], threshold: int) -> list[dict]:
    from commonground.publish import survey_figures

    return survey_figures.build(threshold).responses


_SURVEY_FIELD = Field("survey", FieldType.STRING, _("The survey (its short name)"))
_WAVE_FIELD = Field("wave", FieldType.STRING, _("The survey's wave (round), e.g. 2026 Q1"))

SURVEY_ESTIMATES = SurveyEstimateSet(
    slug="survey-estimates",
    title=_("Community survey results"),
    description=_(
        "For each published wave of a community survey: the weighted share of residents giving "
        "each answer, the average of each 0 to 10 question and the trust and safety indices "
        "(0 to 100), for the whole city, each district and each group of residents, with the "
        "number who answered, the effective sample size, the 95% interval and whether the "
        "figure is a direct survey estimate or a small-area model estimate. Figures resting on "
        "too few people are withheld, with the reason."
    ),
    grain=_("one row per wave, basis, question or index, answer and group"),
    declared_fields=(
        _SURVEY_FIELD,
        _WAVE_FIELD,
        Field(
            "basis",
            FieldType.STRING,
            _("Which responses the figure rests on"),
            _SurveyBasis.choices,
        ),
        Field(
            "measure",
            FieldType.STRING,
            _("The question's name, or trust_index or safety_index"),
        ),
        Field(
            "choice",
            FieldType.STRING,
            _("The answer whose share is given; empty for an average or an index"),
            nullable=True,
        ),
        Field(
            "domain",
            FieldType.STRING,
            _("What the group is defined by; 'all' for everyone"),
            [(ALL, _("Everyone")), *_SurveyVariable.choices],
        ),
        Field(
            "domain_value",
            FieldType.STRING,
            _("The group (a district's code, an age band...); empty for everyone"),
            nullable=True,
        ),
        Field(
            "n",
            FieldType.INTEGER,
            _("How many people answered, in the group; empty when suppressed"),
            nullable=True,
        ),
        Field(
            "effective_n",
            FieldType.NUMBER,
            _("Effective sample size after weighting; empty when suppressed"),
            nullable=True,
        ),
        Field(
            "method",
            FieldType.STRING,
            _("How the figure was worked out"),
            _SurveyMethod.choices,
        ),
        Field(
            "value",
            FieldType.NUMBER,
            _("The estimate: a share from 0 to 1, or an average; empty when withheld"),
            nullable=True,
        ),
        Field(
            "standard_error",
            FieldType.NUMBER,
            _("Its standard error, allowing for the weights; empty when withheld or suppressed"),
            nullable=True,
        ),
        Field("low", FieldType.NUMBER, _("Lower end of the 95% interval"), nullable=True),
        Field("high", FieldType.NUMBER, _("Upper end of the 95% interval"), nullable=True),
        Field(
            "design_effect",
            FieldType.NUMBER,
            _("Kish's design effect of the weights; empty when suppressed"),
            nullable=True,
        ),
        Field(
            "withheld",
            FieldType.STRING,
            _("Why the estimate is not shown; empty when it is"),
            SURVEY_WITHHELD,
            nullable=True,
        ),
    ),
    rows=_survey_estimates,
    filter_names=("basis", "domain", "method"),
)

SURVEY_RESPONSE_MEASURES = [
    ("responses", _("Completed questionnaires")),
    ("rr1", _("AAPOR response rate 1: completes over every sampled case")),
    (
        "rr3",
        _(
            "AAPOR response rate 3: as RR1, counting only the estimated eligible share of cases "
            "whose eligibility is unknown"
        ),
    ),
    ("coop1", _("AAPOR cooperation rate 1: completes over the eligible people reached")),
    ("ref1", _("AAPOR refusal rate 1: refusals over every sampled case")),
    ("con1", _("AAPOR contact rate 1: the share of cases in which someone was reached")),
]
SURVEY_SAMPLES = [
    ("address", _("Random sample of addresses (letters)")),
    ("phone", _("Random sample of phone numbers")),
]

SURVEY_RESPONSES = SurveyEstimateSet(
    slug="survey-responses",
    title=_("Community survey responses and response rates"),
    description=_(
        "For each published wave of a community survey: how many questionnaires were "
        "completed, by channel and by district, with totals, and the response, cooperation, "
        "refusal and contact rates of each random sample, as the AAPOR Standard Definitions "
        "define them."
    ),
    grain=_("one row per wave and channel, per wave and district, and per wave, sample and rate"),
    declared_fields=(
        _SURVEY_FIELD,
        _WAVE_FIELD,
        Field(
            "measure", FieldType.STRING, _("What is counted or measured"), SURVEY_RESPONSE_MEASURES
        ),
        Field(
            "channel",
            FieldType.STRING,
            _("How the questionnaires were completed; empty for totals and rates"),
            _SurveyChannel.choices,
            nullable=True,
        ),
        Field(
            "district",
            FieldType.STRING,
            _("District (its code); empty for totals and rates"),
            DistrictValues(),
            nullable=True,
        ),
        Field(
            "sample",
            FieldType.STRING,
            _("The random sample a rate is of; empty for counts"),
            SURVEY_SAMPLES,
            nullable=True,
        ),
        Field(
            "value",
            FieldType.NUMBER,
            _("The count, or the rate from 0 to 1; empty when withheld"),
            nullable=True,
        ),
        Field(
            "withheld",
            FieldType.STRING,
            _("Why the figure is not shown; empty when it is"),
            SURVEY_WITHHELD,
            nullable=True,
        ),
    ),
    rows=_survey_responses,
    filter_names=("measure",),
)

ESTIMATE_SETS += [SURVEY_ESTIMATES, SURVEY_RESPONSES]
DATASETS.update({d.slug: d for d in (SURVEY_ESTIMATES, SURVEY_RESPONSES)})
