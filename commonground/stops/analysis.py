"""The statistics behind the stops pages: per-resident benchmarks, the veil-of-darkness test and
the outcome (hit-rate) test, as the Stanford Open Policing Project (OPP) runs them.

Each analysis takes a polars LazyFrame with exactly `STORED_STOP_SCHEMA`, already filtered by the
caller to the period, districts and stop types asked for, and returns frozen dataclasses of plain
numbers. Each reads only the columns it needs and reduces the stops to a few counts with one lazy
`group_by` before any arithmetic, so the figures do not depend on the order of the rows and
millions of stops cost little more than reading them.

A figure that would mislead (too few stops, no population to divide by) is `None`, with a `Gap`
saying why; the page turns the gap into words. An analysis that cannot run at all raises
`NotEnoughData` with a message for the analyst.
"""

import datetime
import math
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import patsy
import polars as pl
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy
from scipy import stats
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM

from commonground.stops import sun
from commonground.stops.schema import RACES

# Groups with a census population; "unknown" is a recording gap, not a group of residents.
GROUPS = [race for race in RACES if race != "unknown"]
REFERENCE_GROUP = "white"
Z95 = float(stats.norm.ppf(0.975))

# Thresholds below which a figure is withheld. A rate from fewer than 10 events has an interval
# wider than the figure itself (exact Poisson: 10 events give 4.8 to 18.4), and a denominator of
# a few dozen residents turns one stop more or less into a large swing in the rate.
MIN_EVENTS_FOR_RATE = 10
MIN_POPULATION_FOR_RATE = 100
# The binomial standard error and the normal approximation behind the weighted figures need
# enough trials: 100 stops for a search rate (typical rates are a few percent), 30 searches for a
# hit rate (typical rates are 10-50%).
MIN_STOPS_FOR_SEARCH_RATE = 100
MIN_SEARCHES_FOR_HIT_RATE = 30
# The veil-of-darkness model has an intercept, darkness, a 6-df spline and one effect per district;
# below about 500 stops in the inter-twilight window its darkness coefficient is mostly noise.
MIN_VOD_STOPS = 500
VOD_SPLINE_DF = 6


class Gap(StrEnum):
    """Why a figure is withheld."""

    MISSING_POPULATION = "missing_population"  # no population figure for the group
    SMALL_POPULATION = "small_population"  # fewer than MIN_POPULATION_FOR_RATE residents
    FEW_EVENTS = "few_events"  # fewer than MIN_EVENTS_FOR_RATE stops or searches
    FEW_STOPS = "few_stops"  # fewer than MIN_STOPS_FOR_SEARCH_RATE stops
    FEW_SEARCHES = "few_searches"  # fewer than MIN_SEARCHES_FOR_HIT_RATE searches with a result
    IS_REFERENCE = "is_reference"  # a comparison of the reference group with itself
    NO_REFERENCE = "no_reference"  # the reference group's own figure is withheld


# Inserted in sentences ("stops of Black people"); in languages that lower-case them there, the
# context lets translators do so, and tables and charts capitalise the first letter.
GROUP_ADJECTIVES = {
    "asian/pacific islander": pgettext_lazy("race, within a sentence", "Asian or Pacific Islander"),
    "black": pgettext_lazy("race, within a sentence", "Black"),
    "hispanic": pgettext_lazy("race, within a sentence", "Hispanic"),
    "white": pgettext_lazy("race, within a sentence", "White"),
    "other": pgettext_lazy("race, within a sentence", "other-race"),
}

# `template % params` evaluated when the message is shown, in the reader's language: an analysis
# may run in a task whose language is not the reader's.
_lazy_format = lazy(operator.mod, str)


class NotEnoughData(Exception):
    """The data cannot support the analysis at all; `message` says why, for the analyst."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DistrictInfo:
    """A police district as the analyses need it: its residents by group (keys from `GROUPS`; a
    missing key means no figure) and the point sun times are worked out for."""

    code: str
    name: str
    population_by_group: dict[str, int]
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class Estimate:
    """A figure with its 95% interval, or `None` everywhere and the reason in `gap`.

    `standard_error` is on the scale the interval was built on: the log scale for ratios."""

    value: float | None
    low: float | None
    high: float | None
    standard_error: float | None
    gap: Gap | None = None

    @classmethod
    def withheld(cls, gap: Gap) -> "Estimate":
        return cls(None, None, None, None, gap)

    @classmethod
    def normal(cls, value: float, standard_error: float) -> "Estimate":
        margin = Z95 * standard_error
        return cls(value, value - margin, value + margin, standard_error)


# Benchmark ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchmarkCell:
    """One group in one place. Rates are per 1,000 residents per year; ratios divide them by the
    reference group's rate in the same place."""

    group: str
    population: int | None
    stops: int
    searches: int
    stop_rate: Estimate
    search_rate: Estimate
    stop_ratio: Estimate
    search_ratio: Estimate


@dataclass(frozen=True)
class DistrictBenchmark:
    code: str
    name: str
    groups: tuple[BenchmarkCell, ...]


@dataclass(frozen=True)
class BenchmarkResult:
    years: float
    reference_group: str
    overall: tuple[BenchmarkCell, ...]
    by_district: tuple[DistrictBenchmark, ...]
    stops_outside_districts: int  # district empty or not among those given
    stops_without_race: int  # race empty or "unknown", in the districts given


def _poisson_rate(count: int, population: int | None, years: float) -> Estimate:
    """`count` per 1,000 residents per year with Garwood's exact Poisson interval: the bounds
    are chi-square quantiles, chi2(0.025; 2k)/2 and chi2(0.975; 2k+2)/2, divided by the exposure
    in thousands of resident-years. The standard error is sqrt(k) over the exposure."""
    if population is None:
        return Estimate.withheld(Gap.MISSING_POPULATION)
    if population < MIN_POPULATION_FOR_RATE:
        return Estimate.withheld(Gap.SMALL_POPULATION)
    if count < MIN_EVENTS_FOR_RATE:
        return Estimate.withheld(Gap.FEW_EVENTS)
    exposure = population * years / 1000
    low = stats.chi2.ppf(0.025, 2 * count) / 2
    high = stats.chi2.ppf(0.975, 2 * count + 2) / 2
    return Estimate(count / exposure, low / exposure, high / exposure, math.sqrt(count) / exposure)


def _rate_ratio(
    rate: Estimate, count: int, reference: Estimate, reference_count: int, is_reference: bool
) -> Estimate:
    """Ratio of two Poisson rates, with the interval from the log rate ratio, whose standard
    error is sqrt(1/k1 + 1/k2) (populations taken as known)."""
    if is_reference:
        return Estimate.withheld(Gap.IS_REFERENCE)
    if rate.value is None:
        return Estimate.withheld(rate.gap)
    if reference.value is None:
        return Estimate.withheld(Gap.NO_REFERENCE)
    log_ratio = math.log(rate.value / reference.value)
    se = math.sqrt(1 / count + 1 / reference_count)
    return Estimate(
        math.exp(log_ratio),
        math.exp(log_ratio - Z95 * se),
        math.exp(log_ratio + Z95 * se),
        se,
    )


def _benchmark_cells(
    counts: dict[str, tuple[int, int]], populations: dict[str, int | None], years: float
) -> tuple[BenchmarkCell, ...]:
    stop_rates = {}
    search_rates = {}
    for group in GROUPS:
        stops, searches = counts.get(group, (0, 0))
        stop_rates[group] = _poisson_rate(stops, populations[group], years)
        search_rates[group] = _poisson_rate(searches, populations[group], years)
    ref_stops, ref_searches = counts.get(REFERENCE_GROUP, (0, 0))
    cells = []
    for group in GROUPS:
        stops, searches = counts.get(group, (0, 0))
        is_reference = group == REFERENCE_GROUP
        cells.append(
            BenchmarkCell(
                group=group,
                population=populations[group],
                stops=stops,
                searches=searches,
                stop_rate=stop_rates[group],
                search_rate=search_rates[group],
                stop_ratio=_rate_ratio(
                    stop_rates[group],
                    stops,
                    stop_rates[REFERENCE_GROUP],
                    ref_stops,
                    is_reference,
                ),
                search_ratio=_rate_ratio(
                    search_rates[group],
                    searches,
                    search_rates[REFERENCE_GROUP],
                    ref_searches,
                    is_reference,
                ),
            )
        )
    return tuple(cells)


def _check_districts(districts: Sequence[DistrictInfo]) -> None:
    codes = [district.code for district in districts]
    if len(set(codes)) != len(codes):
        raise ValueError(f"District codes must be unique: {codes}")


def benchmark_rates(
    stops: pl.LazyFrame, districts: Sequence[DistrictInfo], *, years: float
) -> BenchmarkResult:
    """Stops and searches per 1,000 residents per year, by group across the given districts and
    by district and group, each with Garwood's exact Poisson 95% interval, and each group's rate
    as a ratio to the white rate in the same place (95% interval from the log rate ratio).

    `years` is the length of the period the stops cover. Only stops in the given districts count,
    and the population across districts is the sum of theirs (missing if any district has no
    figure for the group). The benchmark page says what this comparison cannot show.
    """
    if years <= 0:
        raise ValueError(f"The period must be longer than 0 years, not {years}.")
    _check_districts(districts)
    if not any(district.population_by_group for district in districts):
        raise NotEnoughData(
            _(
                "No district has population figures, so stops per resident cannot be worked out. "
                "Enter each district's residents by race to use this benchmark."
            )
        )
    rows = (
        stops.group_by("district", "subject_race")
        .agg(stops=pl.len(), searches=pl.col("search_conducted").sum())
        .collect(engine="streaming")
    )
    counts: dict[str, dict[str, tuple[int, int]]] = {district.code: {} for district in districts}
    outside = without_race = 0
    for code, race, n_stops, n_searches in rows.iter_rows():
        if code not in counts:
            outside += n_stops
        elif race is None or race not in GROUPS:
            without_race += n_stops
        else:
            counts[code][race] = (n_stops, n_searches)

    by_district = []
    for district in districts:
        populations = {group: district.population_by_group.get(group) for group in GROUPS}
        by_district.append(
            DistrictBenchmark(
                district.code,
                district.name,
                _benchmark_cells(counts[district.code], populations, years),
            )
        )
    totals = {
        group: (
            sum(counts[d.code].get(group, (0, 0))[0] for d in districts),
            sum(counts[d.code].get(group, (0, 0))[1] for d in districts),
        )
        for group in GROUPS
    }
    total_populations: dict[str, int | None] = {}
    for group in GROUPS:
        figures = [district.population_by_group.get(group) for district in districts]
        total_populations[group] = None if None in figures else sum(figures)
    return BenchmarkResult(
        years=years,
        reference_group=REFERENCE_GROUP,
        overall=_benchmark_cells(totals, total_populations, years),
        by_district=tuple(by_district),
        stops_outside_districts=outside,
        stops_without_race=without_race,
    )


# Veil of darkness ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VodDistrict:
    """A district's stops of the two groups in its inter-twilight window (ambiguous light
    excluded). A district where only one of the groups was stopped tells the model nothing once
    its own fixed effect is fitted, so it is left out (`used` False)."""

    code: str
    name: str
    window_start: datetime.time | None
    window_end: datetime.time | None
    minority_stops: int
    majority_stops: int
    dark_stops: int
    light_stops: int
    used: bool


@dataclass(frozen=True)
class VodResult:
    """The darkness coefficient: the change in the log-odds that a stopped person is of the
    minority group rather than the majority group when it is dark, at the same clock time and in
    the same district. Negative means the minority group's share of stops falls after dark, when
    officers can less easily see race: consistent with bias against the minority in daylight."""

    minority: str
    majority: str
    coefficient: float
    standard_error: float
    low: float
    high: float
    odds_ratio: float
    odds_ratio_low: float
    odds_ratio_high: float
    p_value: float
    stops: int
    minority_stops: int
    dark_stops: int
    districts: int
    by_district: tuple[VodDistrict, ...]
    districts_without_coordinates: tuple[str, ...]


def sun_times(
    districts: Iterable[DistrictInfo],
    first: datetime.date,
    last: datetime.date,
    *,
    time_zone: str,
) -> pl.DataFrame:
    """Sunset and civil dusk for each district with coordinates and each date from `first` to
    `last` (see `stops.sun.sun_times`)."""
    places = {
        d.code: (d.latitude, d.longitude)
        for d in districts
        if d.latitude is not None and d.longitude is not None
    }
    return sun.sun_times(places, first, last, time_zone=time_zone)


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Quantiles of `values` repeated `weights` times, as R's default (type 7) computes them on
    the stops themselves, so the spline's knots are where the OPP's `ns()` puts them."""
    order = np.argsort(values, kind="stable")
    values, cumulative = values[order], np.cumsum(weights[order])
    positions = (cumulative[-1] - 1) * probs
    below = np.floor(positions)
    lower = values[np.searchsorted(cumulative, below, side="right")]
    upper = values[np.searchsorted(cumulative, below + 1, side="right").clip(max=len(values) - 1)]
    return lower + (positions - below) * (upper - lower)


def _spline_basis(minutes: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """A natural cubic spline of clock time with VOD_SPLINE_DF degrees of freedom besides the
    intercept: interior knots at the (1/df, ..., (df-1)/df) quantiles of the stops' times and
    boundary knots at the earliest and latest, which spans the same functions as R's
    `ns(minute, df = 6)` in the OPP's model."""
    probs = np.arange(1, VOD_SPLINE_DF) / VOD_SPLINE_DF
    lower, upper = float(minutes.min()), float(minutes.max())
    knots = np.unique(_weighted_quantiles(minutes.astype(float), weights, probs))
    knots = knots[(knots > lower) & (knots < upper)]
    return np.asarray(
        patsy.dmatrix(
            "cr(x, knots=knots, lower_bound=lower, upper_bound=upper, constraints='center') - 1",
            {"x": minutes.astype(float), "knots": knots, "lower": lower, "upper": upper},
        )
    )


def _hhmm(minute: int | None) -> datetime.time | None:
    return None if minute is None else datetime.time(minute // 60, minute % 60)


def veil_of_darkness(
    stops: pl.LazyFrame,
    districts: Sequence[DistrictInfo],
    *,
    time_zone: str,
    minority: str = "black",
    majority: str = "white",
) -> VodResult:
    """The veil-of-darkness test (Grogger and Ridgeway 2006) as the OPP runs it (Pierson et al.
    2020): if officers stop the minority group more because they can see race, the group's
    share of stops should fall after dark, compared with the same clock time on days when it
    is still light.

    For each district with coordinates and each date, sunset and civil dusk are worked out at
    the district's point in local time. The inter-twilight window of a district runs from its
    earliest dusk to its latest dusk over the dates the stops span: every clock time in it is
    light on some days and dark on others. Stops of the two groups in the window are kept,
    except those between sunset and dusk on their own day (neither light nor dark); a stop is
    dark if it began after dusk. Minutes are whole clock minutes, as in the OPP's code: light
    before the sunset's minute, dark after the dusk's minute.

    The stops are counted by district, clock minute and darkness, and a binomial GLM is fitted
    to the counts: minority ~ dark + natural spline of minute (6 df) + district. Fitting the
    counts gives the same estimates as fitting every stop, at a fraction of the cost.
    """
    for group in (minority, majority):
        if group not in GROUPS:
            raise ValueError(f"{group!r} is not one of {GROUPS}")
    if minority == majority:
        raise ValueError("The two groups must differ.")
    _check_districts(districts)
    located = [d for d in districts if d.latitude is not None and d.longitude is not None]
    if not located:
        raise NotEnoughData(
            _(
                "No district has a map position (latitude and longitude), so sunset and dusk "
                "cannot be worked out. Add the centre point of each district to run this test."
            )
        )
    labels = {"minority": GROUP_ADJECTIVES[minority], "majority": GROUP_ADJECTIVES[majority]}

    # The sun is worked out for every date in the span (cheap) rather than for the dates present,
    # which would take a pass over the stops of its own.
    first, last = (
        stops.select(pl.col("date").min().alias("first"), pl.col("date").max().alias("last"))
        .collect()
        .row(0)
    )
    if first is None:
        raise NotEnoughData(_("No stops match these choices."))
    sun_table = sun_times(located, first, last, time_zone=time_zone)
    windows = sun_table.group_by("district").agg(
        start=pl.col("dusk_minute").min(), end=pl.col("dusk_minute").max()
    )
    window_of = {code: (start, end) for code, start, end in windows.iter_rows()}
    # Sun times exist for every located district unless the sun never sets there in the span.
    earliest = min((start for start, _end in window_of.values()), default=0)
    latest = max((end for _start, end in window_of.values()), default=-1)
    minute = (pl.col("time").dt.hour().cast(pl.Int16) * 60) + pl.col("time").dt.minute()
    counts = (
        stops.select("date", "time", "district", "subject_race")
        .filter(
            pl.col("subject_race").is_in([minority, majority]),
            pl.col("district").is_in(list(window_of)),
        )
        .with_columns(minute=minute)
        .filter(pl.col("minute").is_between(earliest, latest))
        .join(
            sun_table.join(windows, on="district").lazy(),
            on=["district", "date"],
            how="inner",
        )
        .filter(
            pl.col("minute").is_between(pl.col("start"), pl.col("end")),
            (pl.col("minute") < pl.col("sunset_minute"))
            | (pl.col("minute") > pl.col("dusk_minute")),
        )
        .group_by("district", "minute", is_dark=pl.col("minute") > pl.col("dusk_minute"))
        .agg(stops=pl.len(), minority=(pl.col("subject_race") == minority).sum())
        .collect(engine="streaming")
        .sort("district", "minute", "is_dark")
    )

    per_district = {
        code: (n, k, dark, light)
        for code, n, k, dark, light in counts.group_by("district")
        .agg(
            pl.col("stops").sum(),
            pl.col("minority").sum(),
            dark=pl.col("stops").filter(pl.col("is_dark")).sum(),
            light=pl.col("stops").filter(~pl.col("is_dark")).sum(),
        )
        .iter_rows()
    }
    by_district = []
    for district in located:
        n, k, dark, light = per_district.get(district.code, (0, 0, 0, 0))
        start, end = window_of.get(district.code, (None, None))
        by_district.append(
            VodDistrict(
                district.code,
                district.name,
                _hhmm(start),
                _hhmm(end),
                minority_stops=k,
                majority_stops=n - k,
                dark_stops=dark,
                light_stops=light,
                used=0 < k < n,
            )
        )

    total = sum(d.minority_stops + d.majority_stops for d in by_district)
    total_minority = sum(d.minority_stops for d in by_district)
    for group, count in ((minority, total_minority), (majority, total - total_minority)):
        if total and not count:
            raise NotEnoughData(
                _lazy_format(
                    _(
                        "No stops of %(group)s people fall in the inter-twilight window, so there "
                        "is nothing to compare with stops of %(other)s people."
                    ),
                    {
                        "group": GROUP_ADJECTIVES[group],
                        "other": GROUP_ADJECTIVES[majority if group == minority else minority],
                    },
                )
            )
    used = [d for d in by_district if d.used]
    n_used = sum(d.minority_stops + d.majority_stops for d in used)
    if n_used < MIN_VOD_STOPS:
        raise NotEnoughData(
            _lazy_format(
                ngettext_lazy(
                    "Only %(count)s stop of %(minority)s or %(majority)s people falls in the "
                    "inter-twilight window in a district where both were stopped; at least "
                    "%(minimum)s are needed to fit the model.",
                    "Only %(count)s stops of %(minority)s or %(majority)s people fall in the "
                    "inter-twilight window in a district where both were stopped; at least "
                    "%(minimum)s are needed to fit the model.",
                    "count",
                ),
                {"count": n_used, "minimum": MIN_VOD_STOPS, **labels},
            )
        )
    n_dark = sum(d.dark_stops for d in used)
    if n_dark in (0, n_used):
        raise NotEnoughData(
            _lazy_format(
                _(
                    "All %(count)s stops in the inter-twilight window were made in daylight, so "
                    "light and dark cannot be compared. The stops must span more of the year."
                )
                if n_dark == 0
                else _(
                    "All %(count)s stops in the inter-twilight window were made after dark, so "
                    "light and dark cannot be compared. The stops must span more of the year."
                ),
                {"count": n_used},
            )
        )

    used_codes = sorted(d.code for d in used)
    cells = counts.filter(pl.col("district").is_in(used_codes))
    minutes = cells["minute"].to_numpy()
    totals = cells["stops"].to_numpy().astype(float)
    successes = cells["minority"].to_numpy().astype(float)
    district_index = np.searchsorted(used_codes, cells["district"].to_numpy())
    design = np.column_stack(
        [
            np.ones(len(cells)),
            cells["is_dark"].to_numpy().astype(float),
            _spline_basis(minutes, totals),
            (district_index[:, None] == np.arange(1, len(used_codes))[None, :]).astype(float),
        ]
    )
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise NotEnoughData(
            _(
                "The stops in the inter-twilight window cover too few clock times to tell the "
                "effect of darkness from the effect of the time of day."
            )
        )
    fit = GLM(
        np.column_stack([successes, totals - successes]), design, family=families.Binomial()
    ).fit()
    coefficient, se = float(fit.params[1]), float(fit.bse[1])
    low, high = coefficient - Z95 * se, coefficient + Z95 * se
    return VodResult(
        minority=minority,
        majority=majority,
        coefficient=coefficient,
        standard_error=se,
        low=low,
        high=high,
        odds_ratio=math.exp(coefficient),
        odds_ratio_low=math.exp(low),
        odds_ratio_high=math.exp(high),
        p_value=float(fit.pvalues[1]),
        stops=n_used,
        minority_stops=sum(d.minority_stops for d in used),
        dark_stops=n_dark,
        districts=len(used),
        by_district=tuple(by_district),
        districts_without_coordinates=tuple(
            d.code for d in districts if d.latitude is None or d.longitude is None
        ),
    )


# Outcome test -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeCell:
    """One group in one district. The search rate is searches over stops with the search field
    filled in; the hit rate is searches that found contraband over searches whose result is
    recorded. Standard errors are binomial, sqrt(p(1-p)/n); intervals are Wilson score intervals,
    which stay inside 0-1 and keep their coverage for rates near 0. The difference is this
    group's hit rate minus the reference group's, with a normal interval."""

    group: str
    stops: int
    searches: int
    searches_with_result: int
    hits: int
    search_rate: Estimate
    hit_rate: Estimate
    hit_rate_difference: Estimate


@dataclass(frozen=True)
class DistrictOutcome:
    code: str
    name: str
    stops: int  # every stop in the district, any group: the district's weight
    groups: tuple[OutcomeCell, ...]


@dataclass(frozen=True)
class OutcomeSummary:
    """One group across districts: counts summed; rates and the difference from the reference
    group averaged over districts, each district weighted by its share of all stops (so groups
    are compared as if stopped in the same places). Each average uses only the districts where
    its cells are shown (listed), with weights rescaled to sum to 1; the difference uses the
    districts where both groups' hit rates are shown, so it is a like-for-like comparison and
    need not equal the difference of the two averages. Standard errors are those of the weighted
    sums, sqrt(sum of w^2 p(1-p)/n), with normal intervals."""

    group: str
    stops: int
    searches: int
    searches_with_result: int
    hits: int
    search_rate: Estimate
    hit_rate: Estimate
    hit_rate_difference: Estimate
    search_rate_districts: tuple[str, ...]
    hit_rate_districts: tuple[str, ...]
    difference_districts: tuple[str, ...]


@dataclass(frozen=True)
class OutcomeResult:
    reference_group: str
    overall: tuple[OutcomeSummary, ...]
    by_district: tuple[DistrictOutcome, ...]
    stops_outside_districts: int


def _proportion(successes: int, trials: int, minimum: int, gap: Gap) -> Estimate:
    if trials < minimum:
        return Estimate.withheld(gap)
    p = successes / trials
    centre = (p + Z95**2 / (2 * trials)) / (1 + Z95**2 / trials)
    half = Z95 * math.sqrt(p * (1 - p) / trials + Z95**2 / (4 * trials**2)) / (1 + Z95**2 / trials)
    return Estimate(p, centre - half, centre + half, math.sqrt(p * (1 - p) / trials))


def _difference(cell: Estimate, reference: Estimate, is_reference: bool) -> Estimate:
    if is_reference:
        return Estimate.withheld(Gap.IS_REFERENCE)
    if cell.value is None:
        return Estimate.withheld(cell.gap)
    if reference.value is None:
        return Estimate.withheld(Gap.NO_REFERENCE)
    return Estimate.normal(
        cell.value - reference.value, math.hypot(cell.standard_error, reference.standard_error)
    )


def _weighted(
    terms: list[tuple[str, int, float, float]], gap: Gap
) -> tuple[Estimate, tuple[str, ...]]:
    """Average of (district, weight, value, standard error) terms with weights rescaled to 1."""
    if not terms:
        return Estimate.withheld(gap), ()
    total = sum(weight for _code, weight, _value, _se in terms)
    value = sum(weight * v for _code, weight, v, _se in terms) / total
    variance = sum((weight / total) ** 2 * se**2 for _code, weight, _v, se in terms)
    return Estimate.normal(value, math.sqrt(variance)), tuple(code for code, *_rest in terms)


def _across(
    by_district: list[DistrictOutcome], group: str, attribute: str, gap: Gap
) -> tuple[Estimate, tuple[str, ...]]:
    """One group's `attribute` averaged over the districts where it is shown, each weighted by
    the district's stops."""
    terms = [
        (district.code, district.stops, estimate.value, estimate.standard_error)
        for district in by_district
        for cell in district.groups
        if cell.group == group and (estimate := getattr(cell, attribute)).value is not None
    ]
    return _weighted(terms, gap)


def outcome_test(stops: pl.LazyFrame, districts: Sequence[DistrictInfo]) -> OutcomeResult:
    """Search rates and hit rates by group, per district and averaged across districts (see
    `OutcomeSummary` for the weights), with each group's hit rate compared with the white hit
    rate. If searches of one group find contraband less often, officers may be searching that
    group on less evidence (Becker's outcome test, as in the OPP's `outcome_test`).

    Only stops in the given districts count. A district cell needs MIN_STOPS_FOR_SEARCH_RATE
    stops for a search rate and MIN_SEARCHES_FOR_HIT_RATE searches with a recorded result for
    a hit rate."""
    _check_districts(districts)
    rows = (
        stops.group_by("district", "subject_race")
        .agg(
            all_stops=pl.len(),
            stops=pl.col("search_conducted").is_not_null().sum(),
            searches=pl.col("search_conducted").sum(),
            with_result=(
                pl.col("search_conducted") & pl.col("contraband_found").is_not_null()
            ).sum(),
            hits=(pl.col("search_conducted") & pl.col("contraband_found")).sum(),
        )
        .collect(engine="streaming")
    )
    counts: dict[str, dict[str, tuple[int, int, int, int]]] = {d.code: {} for d in districts}
    district_stops = dict.fromkeys(counts, 0)
    outside = 0
    for code, race, all_stops, n_stops, searches, with_result, hits in rows.iter_rows():
        if code not in counts:
            outside += all_stops
            continue
        district_stops[code] += all_stops
        if race in GROUPS:
            counts[code][race] = (n_stops, searches, with_result, hits)
    if not any(district_stops.values()):
        raise NotEnoughData(_("No stops were made in these districts in this period."))
    if not any(c[1] for by_race in counts.values() for c in by_race.values()):
        raise NotEnoughData(
            _lazy_format(
                ngettext_lazy(
                    "None of the %(count)s stop in these districts records a search, so search "
                    "and hit rates cannot be compared.",
                    "None of the %(count)s stops in these districts records a search, so search "
                    "and hit rates cannot be compared.",
                    "count",
                ),
                {"count": sum(district_stops.values())},
            )
        )

    by_district = []
    for district in districts:
        rates = {}
        for group in GROUPS:
            n_stops, searches, with_result, hits = counts[district.code].get(group, (0, 0, 0, 0))
            rates[group] = (
                _proportion(searches, n_stops, MIN_STOPS_FOR_SEARCH_RATE, Gap.FEW_STOPS),
                _proportion(hits, with_result, MIN_SEARCHES_FOR_HIT_RATE, Gap.FEW_SEARCHES),
            )
        cells = []
        for group in GROUPS:
            n_stops, searches, with_result, hits = counts[district.code].get(group, (0, 0, 0, 0))
            search_rate, hit_rate = rates[group]
            cells.append(
                OutcomeCell(
                    group=group,
                    stops=n_stops,
                    searches=searches,
                    searches_with_result=with_result,
                    hits=hits,
                    search_rate=search_rate,
                    hit_rate=hit_rate,
                    hit_rate_difference=_difference(
                        hit_rate, rates[REFERENCE_GROUP][1], group == REFERENCE_GROUP
                    ),
                )
            )
        by_district.append(
            DistrictOutcome(
                district.code, district.name, district_stops[district.code], tuple(cells)
            )
        )

    overall = []
    for group in GROUPS:
        search_rate, search_districts = _across(by_district, group, "search_rate", Gap.FEW_STOPS)
        hit_rate, hit_districts = _across(by_district, group, "hit_rate", Gap.FEW_SEARCHES)
        if group == REFERENCE_GROUP:
            difference, difference_districts = Estimate.withheld(Gap.IS_REFERENCE), ()
        else:
            difference, difference_districts = _across(
                by_district, group, "hit_rate_difference", Gap.FEW_SEARCHES
            )
        totals = [counts[d.code].get(group, (0, 0, 0, 0)) for d in districts]
        overall.append(
            OutcomeSummary(
                group=group,
                stops=sum(t[0] for t in totals),
                searches=sum(t[1] for t in totals),
                searches_with_result=sum(t[2] for t in totals),
                hits=sum(t[3] for t in totals),
                search_rate=search_rate,
                hit_rate=hit_rate,
                hit_rate_difference=difference,
                search_rate_districts=search_districts,
                hit_rate_districts=hit_districts,
                difference_districts=difference_districts,
            )
        )
    return OutcomeResult(
        reference_group=REFERENCE_GROUP,
        overall=tuple(overall),
        by_district=tuple(by_district),
        stops_outside_districts=outside,
    )
