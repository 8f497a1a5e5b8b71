"""How each imported column is read and checked, as polars expressions over the raw text.

Every value arrives as text (CSV cells, or Parquet values cast to text), so both formats pass the
same checks. A column is a parser (text to its type; None when the text cannot be read) plus
checks on the parsed value, each with the message an analyst sees in the batch's report.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import polars as pl
from django.utils.translation import gettext as _

from commonground.stops.models import ForceType
from commonground.stops.schema import OUTCOMES, RACES, SEARCH_BASES, SEXES, STOP_TYPES

TRUE_WORDS = ["true", "t", "yes", "y", "1"]
FALSE_WORDS = ["false", "f", "no", "n", "0"]
MISSING_WORDS = ["", "na", "n/a", "null", "none"]
MAX_AGE = 110


@dataclass(frozen=True)
class Check:
    """`bad` is true for a row whose parsed value breaks the rule."""

    bad: pl.Expr
    message: str


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pl.DataType
    parse: Callable[[pl.Expr], pl.Expr]
    unreadable: str
    required: bool = False
    checks: list[Check] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    """What the checks compare against: the roster and the agency, read once per import."""

    districts: frozenset[str]
    badges: frozenset[str]
    today: datetime.date
    area: tuple[float, float, float, float] | None


def text(raw: pl.Expr) -> pl.Expr:
    """Trimmed text, with the usual spellings of "no value" read as missing."""
    trimmed = raw.str.strip_chars()
    return pl.when(trimmed.str.to_lowercase().is_in(MISSING_WORDS)).then(None).otherwise(trimmed)


def _lower(raw: pl.Expr) -> pl.Expr:
    return text(raw).str.to_lowercase()


def _choice(levels: list[str], dtype: pl.DataType) -> Callable[[pl.Expr], pl.Expr]:
    def parse(raw: pl.Expr) -> pl.Expr:
        value = _lower(raw)
        return pl.when(value.is_in(levels)).then(value).otherwise(None).cast(dtype)

    return parse


def _with_unknown(levels: list[str], dtype: pl.DataType) -> Callable[[pl.Expr], pl.Expr]:
    """Like _choice, but an empty cell means "unknown" (the OPP writes NA for it)."""

    def parse(raw: pl.Expr) -> pl.Expr:
        value = _lower(raw)
        return (
            pl.when(value.is_null())
            .then(pl.lit("unknown"))
            .when(value.is_in(levels))
            .then(value)
            .otherwise(None)
            .cast(dtype)
        )

    return parse


def _boolean(raw: pl.Expr) -> pl.Expr:
    value = _lower(raw)
    return (
        pl.when(value.is_in(TRUE_WORDS))
        .then(True)
        .when(value.is_in(FALSE_WORDS))
        .then(False)
        .otherwise(None)
    )


def _date(raw: pl.Expr) -> pl.Expr:
    return text(raw).str.to_date("%Y-%m-%d", strict=False)


def _time(raw: pl.Expr) -> pl.Expr:
    value = text(raw)
    return pl.coalesce(
        value.str.to_time("%H:%M:%S", strict=False), value.str.to_time("%H:%M", strict=False)
    )


def _float(raw: pl.Expr) -> pl.Expr:
    return text(raw).cast(pl.Float64, strict=False)


def _age(raw: pl.Expr) -> pl.Expr:
    number = _float(raw)
    return (
        pl.when(number == number.floor()).then(number).otherwise(None).cast(pl.Int16, strict=False)
    )


def _string(raw: pl.Expr) -> pl.Expr:
    return text(raw)


def _one_of(levels: list[str]) -> str:
    return ", ".join(levels)


def shared_columns(context: Context) -> list[Column]:
    """The columns stop and use-of-force files have in common."""
    value = pl.col
    area = context.area
    lat_checks = [Check(value("lat").abs() > 90, _("A latitude is between -90 and 90."))]
    lng_checks = [Check(value("lng").abs() > 180, _("A longitude is between -180 and 180."))]
    if area:
        south, west, north, east = area
        lat_checks.append(
            Check(
                (value("lat") < south) | (value("lat") > north),
                _("This point is outside the agency's area (latitude %(south)s to %(north)s).")
                % {"south": south, "north": north},
            )
        )
        lng_checks.append(
            Check(
                (value("lng") < west) | (value("lng") > east),
                _("This point is outside the agency's area (longitude %(west)s to %(east)s).")
                % {"west": west, "east": east},
            )
        )
    return [
        Column(
            "date",
            pl.Date,
            _date,
            _("A date is written YYYY-MM-DD, for example 2024-03-31."),
            required=True,
            checks=[Check(value("date") > context.today, _("This date is in the future."))],
        ),
        Column(
            "time",
            pl.Time,
            _time,
            _("A time is between 00:00 and 23:59, written HH:MM or HH:MM:SS."),
        ),
        Column("location", pl.String, _string, ""),
        Column("lat", pl.Float64, _float, _("A latitude is a number."), checks=lat_checks),
        Column("lng", pl.Float64, _float, _("A longitude is a number."), checks=lng_checks),
        Column(
            "district",
            pl.String,
            _string,
            "",
            required=True,
            checks=[
                Check(
                    ~value("district").is_in(sorted(context.districts)),
                    _("There is no district with this code. The districts are: %(codes)s.")
                    % {"codes": _one_of(sorted(context.districts))},
                )
            ],
        ),
        Column(
            "subject_age",
            pl.Int16,
            _age,
            _("An age is a whole number of years."),
            checks=[
                Check(
                    (value("subject_age") < 1) | (value("subject_age") > MAX_AGE),
                    _("An age is between 1 and %(max)s.") % {"max": MAX_AGE},
                )
            ],
        ),
        Column(
            "subject_race",
            pl.Enum(RACES),
            _with_unknown(RACES, pl.Enum(RACES)),
            _("This is not one of the race codes: %(codes)s.") % {"codes": _one_of(RACES)},
            required=True,
        ),
        Column(
            "subject_sex",
            pl.Enum(SEXES),
            _with_unknown(SEXES, pl.Enum(SEXES)),
            _("This is not one of the sex codes: %(codes)s.") % {"codes": _one_of(SEXES)},
        ),
        Column(
            "officer_id",
            pl.String,
            _string,
            "",
            checks=[
                Check(
                    ~value("officer_id").is_in(sorted(context.badges)),
                    _("No officer in the roster has this badge number."),
                )
            ],
        ),
    ]


def _boolean_column(name: str, required: bool = False) -> Column:
    return Column(
        name,
        pl.Boolean,
        _boolean,
        _("This is not TRUE or FALSE."),
        required=required,
    )


def stop_columns(context: Context) -> list[Column]:
    return [
        *shared_columns(context),
        Column(
            "type",
            pl.Enum(STOP_TYPES),
            _choice(STOP_TYPES, pl.Enum(STOP_TYPES)),
            _("This is not a stop type: %(codes)s.") % {"codes": _one_of(STOP_TYPES)},
            required=True,
        ),
        Column("reason_for_stop", pl.String, _string, ""),
        Column(
            "outcome",
            pl.Enum(OUTCOMES),
            _choice(OUTCOMES, pl.Enum(OUTCOMES)),
            _("This is not an outcome code: %(codes)s (or empty for none).")
            % {"codes": _one_of(OUTCOMES)},
        ),
        _boolean_column("search_conducted", required=True),
        Column(
            "search_basis",
            pl.Enum(SEARCH_BASES),
            _choice(SEARCH_BASES, pl.Enum(SEARCH_BASES)),
            _("This is not a search basis: %(codes)s.") % {"codes": _one_of(SEARCH_BASES)},
        ),
        _boolean_column("frisk_performed"),
        _boolean_column("contraband_found"),
    ]


def stop_row_checks() -> list[tuple[str, pl.Expr, str]]:
    """Checks across columns of one stop: (column to blame, bad rows, message)."""
    searched = pl.col("search_conducted")
    return [
        (
            "contraband_found",
            pl.col("contraband_found") & ~searched,
            _("Contraband is recorded as found, but no search was conducted."),
        ),
        (
            "search_basis",
            pl.col("search_basis").is_not_null() & ~searched,
            _("A search basis is given, but no search was conducted."),
        ),
        *coordinate_pair_checks(),
    ]


def coordinate_pair_checks() -> list[tuple[str, pl.Expr, str]]:
    return [
        (
            "lng",
            pl.col("lat").is_not_null() & pl.col("lng").is_null(),
            _("A latitude is given without its longitude."),
        ),
        (
            "lat",
            pl.col("lng").is_not_null() & pl.col("lat").is_null(),
            _("A longitude is given without its latitude."),
        ),
    ]


def _force_types(raw: pl.Expr) -> pl.Expr:
    """Several force types in one cell, separated by semicolons; None if any is not a code."""
    parts = _lower(raw).str.split(";").list.eval(pl.element().str.strip_chars())
    parts = parts.list.eval(pl.element().filter(pl.element() != ""))
    known = parts.list.eval(pl.element().is_in(ForceType.values)).list.all()
    return pl.when(known & (parts.list.len() > 0)).then(parts.list.join(";")).otherwise(None)


def _complaint_reference(raw: pl.Expr) -> pl.Expr:
    value = text(raw).str.to_uppercase()
    return pl.when(value.str.contains(r"^CG-\d{4}-\d{6,}$")).then(value).otherwise(None)


def use_of_force_columns(context: Context) -> list[Column]:
    shared = [
        replace(c, required=True) if c.name == "officer_id" else c for c in shared_columns(context)
    ]
    return [
        Column("incident_id", pl.String, _string, "", required=True),
        *shared,
        Column(
            "force_type",
            pl.String,
            _force_types,
            _("These are not all force type codes (separate several with ;): %(codes)s.")
            % {"codes": _one_of(ForceType.values)},
            required=True,
        ),
        _boolean_column("subject_injured"),
        _boolean_column("officer_injured"),
        Column(
            "complaint",
            pl.String,
            _complaint_reference,
            _("A complaint is given by its reference, such as CG-2025-000123."),
        ),
    ]
