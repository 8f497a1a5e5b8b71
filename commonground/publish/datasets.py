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

from django.db.models import Count, QuerySet, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from commonground.complaints import selectors as complaints
from commonground.complaints.models import AllegationCategory, Channel, Finding, Kind, Outcome
from commonground.roster.models import District

# The value a dimension takes on a row of totals.
ALL = "all"
UNKNOWN = "unknown"


class FieldType:
    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    MONTH = "month"  # "2026-03"
    YEAR = "year"  # "2026"


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
    return [(d.code, d.name) for d in District.objects.order_by("code")] + [
        (UNKNOWN, _("Not known"))
    ]


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
        ),
        Dimension("channel", FieldType.STRING, _("How the report reached us"), _choices(Channel)),
        Dimension(
            "district",
            FieldType.STRING,
            _("Police district where it happened (its code)"),
            _districts,
            pattern=r"^.{1,20}$",
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
            "days_to_close",
            FieldType.STRING,
            _("Days from receiving the complaint to closing it"),
            lambda _seen: DAYS_BANDS,
        ),
    ]
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


@dataclass(frozen=True)
class Family:
    slug: str
    unit: Promise  # what one counts, in a phrase: "complaints received"
    counts: Callable[[], Iterable[tuple[dict, int]]]


COMPLAINTS = Family("complaints", _("complaints received"), _complaints_received)
CLOSED = Family("closed", _("complaints closed"), _complaints_closed)
ALLEGATIONS = Family("allegations", _("allegations"), _allegations)
COMMENDATIONS = Family("commendations", _("commendations received"), _commendations_received)


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
        return gettext("%(unit)s: one row for each %(dimensions)s, with totals") % {
            "unit": self.family.unit,
            "dimensions": " / ".join(self.dimensions),
        }

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
    # The source rows (dicts of raw values, in order of a unique id), given whether officer
    # fields are published; the API filters them in the database.
    rows: Callable[[bool], QuerySet]
    # One source row as published: exactly the declared fields, dates as months.
    present: Callable[[dict], dict]
    kind: str = field(default="records", init=False)

    def fields(self, officer_data: bool) -> list[Field]:
        return list(self.fields_always) + (list(self.fields_officer) if officer_data else [])


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
        "allegation_id": row["id"],
        "complaint_id": row["report_id"],
        "received_month": _month(received_at),
        "channel": row["report__channel"],
        "district": row["report__district__code"] or UNKNOWN,
        "category": row["category"],
        "finding": row["final_finding"] or None,
        "outcome": (row["report__outcome"] or None) if ended else None,
        "closed_month": _month(closed_at) if closed_at else None,
        "days_to_close": (
            (timezone.localdate(closed_at) - timezone.localdate(received_at)).days
            if closed_at
            else None
        ),
    }
    if "involved_officer__officer__badge_number" in row:
        last = row["involved_officer__officer__last_name"]
        published["officer_badge"] = row["involved_officer__officer__badge_number"]
        published["officer_name"] = (
            f"{row['involved_officer__officer__first_name']} {last}" if last else None
        )
    return published


ALLEGATION_RECORDS = RecordSet(
    slug="allegation-records",
    title=_("Allegations, one row each"),
    description=_(
        "Every allegation of misconduct in a complaint, with when and how the complaint came in, "
        "the district, the kind of misconduct, the finding and how long it took to close."
    ),
    grain=_("one row per allegation"),
    fields_always=(
        Field("allegation_id", FieldType.INTEGER, _("Number of the allegation")),
        Field("complaint_id", FieldType.INTEGER, _("Number of the complaint it belongs to")),
        Field("received_month", FieldType.MONTH, _("Month the complaint was received")),
        Field("channel", FieldType.STRING, _("How the complaint reached us"), Channel.choices),
        Field("district", FieldType.STRING, _("Police district where it happened (its code)")),
        Field(
            "category",
            FieldType.STRING,
            _("Kind of misconduct alleged"),
            AllegationCategory.choices,
        ),
        Field(
            "finding",
            FieldType.STRING,
            _("What the investigation concluded; empty while it goes on"),
            Finding.choices,
            nullable=True,
        ),
        Field(
            "outcome",
            FieldType.STRING,
            _("How the complaint ended; empty while it is open"),
            Outcome.choices,
            nullable=True,
        ),
        Field(
            "closed_month",
            FieldType.MONTH,
            _("Month the complaint closed; empty while it is open"),
            nullable=True,
        ),
        Field(
            "days_to_close",
            FieldType.INTEGER,
            _("Days from receiving the complaint to closing it; empty while it is open"),
            nullable=True,
        ),
    ),
    fields_officer=(
        Field("officer_badge", FieldType.STRING, _("Badge number of the officer"), nullable=True),
        Field("officer_name", FieldType.STRING, _("Name of the officer"), nullable=True),
    ),
    rows=_allegation_rows,
    present=_present_allegation,
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

DATASETS: dict[str, CountTable | RecordSet] = {d.slug: d for d in [*COUNT_TABLES, *RECORD_SETS]}


def tables_of(family: Family) -> list[CountTable]:
    return [t for t in COUNT_TABLES if t.family is family]


FAMILIES = list({t.family.slug: t.family for t in COUNT_TABLES}.values())


def value_label(dimension: str, value: str) -> str:
    """What a value of a count table's dimension means, in the current language."""
    if value == ALL:
        return str(_("All together (a total)"))
    if dimension == "month":
        return month_label(value)
    if dimension == "year":
        return value
    return str(dict(DIMENSIONS[dimension].domain({})).get(value, value))
