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
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
import patsy
import polars as pl
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy
from scipy import stats
from scipy.special import expit
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.stats import sandwich_covariance
from statsmodels.stats.proportion import proportion_confint

from commonground.roster.models import Race
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
# context lets translators do so. Tables and charts name groups with `group_name`.
GROUP_ADJECTIVES = {
    "asian/pacific islander": pgettext_lazy("race, within a sentence", "Asian or Pacific Islander"),
    "black": pgettext_lazy("race, within a sentence", "Black"),
    "hispanic": pgettext_lazy("race, within a sentence", "Hispanic or Latino"),
    "white": pgettext_lazy("race, within a sentence", "White"),
    "other": pgettext_lazy("race, within a sentence", "other-race"),
}


def group_name(group: str) -> str:
    """A group as a table's row or a chart's label names it: the roster's name for the race,
    which the public figures and open data use too, so staff and public pages agree."""
    return str(Race(group).label) if group in Race.values else group


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


class Interval(StrEnum):
    """How a 95% interval was worked out. The exact ones keep their coverage at any count; the
    others rest on a normal approximation and say so wherever they are shown."""

    EXACT_POISSON = "exact_poisson"  # Garwood's interval for a Poisson count
    # Clopper-Pearson interval for one group's share of the two groups' events, given their sum,
    # turned into a ratio of the two rates (the exact conditional interval).
    EXACT_CONDITIONAL = "exact_conditional"
    CLUSTER_ROBUST = "cluster_robust"  # Wald, officers' stops as clusters (sandwich variance)
    WALD = "wald"  # Wald from the model's own variance
    WILSON = "wilson"  # Wilson score interval for a proportion
    NORMAL = "normal"  # normal interval from a standard error


APPROXIMATE = frozenset({Interval.CLUSTER_ROBUST, Interval.WALD, Interval.WILSON, Interval.NORMAL})


@dataclass(frozen=True)
class Estimate:
    """A figure with its 95% interval, or `None` everywhere and the reason in `gap`.

    `standard_error` is on the scale the interval was built on: the log scale for ratios.
    `method` says how the interval was worked out; `dispersion`, where officer ids let it be
    measured, is the Pearson chi-square over the officers' stops divided by its degrees of
    freedom: about 1 when officers' stops are independent, more when each officer's stops are
    alike (then an interval that ignores officers would be too narrow)."""

    value: float | None
    low: float | None
    high: float | None
    standard_error: float | None
    gap: Gap | None = None
    method: Interval | None = None
    dispersion: float | None = None

    @property
    def approximate(self) -> bool:
        return self.method in APPROXIMATE

    @classmethod
    def withheld(cls, gap: Gap) -> "Estimate":
        return cls(None, None, None, None, gap)

    @classmethod
    def normal(
        cls, value: float, standard_error: float, method: Interval = Interval.NORMAL
    ) -> "Estimate":
        margin = Z95 * standard_error
        return cls(value, value - margin, value + margin, standard_error, method=method)


class LeftOut(StrEnum):
    """Why an analysis left a record out. Each result counts its records by reason in
    `left_out`, so every record given to it is either used or accounted for."""

    OUTSIDE_DISTRICTS = "outside_districts"  # district empty or not among those analysed
    UNKNOWN_RACE = "unknown_race"  # race empty or "unknown"
    OTHER_GROUP = "other_group"  # veil of darkness: neither of the two groups compared
    NO_LOCATION = "no_location"  # veil of darkness: the district has no map position
    NO_TIME = "no_time"  # veil of darkness: no clock time recorded
    OUTSIDE_WINDOW = "outside_window"  # veil of darkness: outside the inter-twilight window
    NO_DUSK = "no_dusk"  # veil of darkness: an evening when dusk does not come (far north)
    SUNSET_TO_DUSK = "sunset_to_dusk"  # veil of darkness: from sunset's minute to dusk's
    ONE_GROUP_DISTRICT = "one_group_district"  # veil of darkness: only one group stopped there
    NO_SEARCH_RECORD = "no_search_record"  # outcome test: whether a search was made is empty
    NO_SEARCH_RESULT = "no_search_result"  # outcome test: a search whose result is empty


def _left_out(counts: dict[LeftOut, int]) -> tuple[tuple[LeftOut, int], ...]:
    """The non-zero counts, in the order `LeftOut` declares its reasons."""
    return tuple((reason, counts[reason]) for reason in LeftOut if counts.get(reason))


# Benchmark ----------------------------------------------------------------------------------

# A cluster-robust (sandwich) variance is only trusted with enough clusters; with fewer officers
# it is biased low (Cameron and Miller 2015 suggest 30 to 50), so the exact interval is kept.
MIN_OFFICER_CLUSTERS = 30


@dataclass(frozen=True)
class BenchmarkCell:
    """One group in one place. Rates are per 1,000 residents per year; ratios divide them by the
    reference group's rate in the same place. `stop_ratio_standardised` and
    `search_ratio_standardised` (across districts only) compare the groups within each district
    and pool the districts with a population figure for both groups (see `_common_ratio`), so
    where police are deployed does not count as a difference between groups; in a single
    district their value is the crude ratio's."""

    group: str
    population: int | None
    stops: int
    searches: int
    stop_rate: Estimate
    search_rate: Estimate
    stop_ratio: Estimate
    search_ratio: Estimate
    stop_ratio_standardised: Estimate | None = None
    search_ratio_standardised: Estimate | None = None


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
    records: int  # every stop given to the analysis
    left_out: tuple[tuple[LeftOut, int], ...]  # outside the districts given, race unknown
    officer_clusters: int  # officers with a recorded id among the stops used

    @property
    def used(self) -> int:
        return self.records - sum(count for _reason, count in self.left_out)


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
    return Estimate(
        count / exposure,
        low / exposure,
        high / exposure,
        math.sqrt(count) / exposure,
        method=Interval.EXACT_POISSON,
    )


@dataclass(frozen=True)
class _Comparison:
    """Events of a group (k) and of the reference group (m), one row per officer (and district,
    when districts are pooled), with the log of the ratio of the two groups' exposures in the
    row's district."""

    k: np.ndarray
    m: np.ndarray
    log_exposure_ratio: np.ndarray
    officer: np.ndarray  # object array of ids; None where the stop has no officer id

    @property
    def officers(self) -> int:
        return len({o for o in self.officer if o is not None})


def _common_ratio(rows: _Comparison) -> tuple[float, float, Interval, float | None]:
    """The rate ratio common to the rows' districts, as log ratio, its standard error, how the
    interval is worked out, and the officers' dispersion.

    Given the two groups' events in a district, the group's share of them is binomial with
    log-odds log(ratio) + log(exposure ratio); a binomial GLM with that offset is the conditional
    likelihood of a Poisson model with one term per district, whose common ratio is estimated
    like the Mantel-Haenszel rate ratio, from comparisons within districts only. Splitting a
    district's events by officer leaves the likelihood unchanged, so the same fit gives a
    cluster-robust variance by officer (with at least MIN_OFFICER_CLUSTERS officers; stops
    without an officer id count as one more officer, which errs towards a wider interval) and
    the Pearson dispersion between officers."""
    keep = (rows.k + rows.m) > 0
    k, m, offset = rows.k[keep], rows.m[keep], rows.log_exposure_ratio[keep]
    n = k + m
    # The fit needs only one row per district (per offset): the officers' rows share its p.
    strata, stratum = np.unique(offset, return_inverse=True)
    k_by, n_by = np.bincount(stratum, k), np.bincount(stratum, n)
    if len(strata) == 1:
        log_ratio = math.log(k_by[0] / (n_by[0] - k_by[0])) - strata[0]
        bread = 1 / (1 / k_by[0] + 1 / (n_by[0] - k_by[0]))
        se = math.sqrt(1 / bread)
    else:
        fit = GLM(
            np.column_stack([k_by, n_by - k_by]),
            np.ones((len(strata), 1)),
            family=families.Binomial(),
            offset=strata,
        ).fit()
        log_ratio, se = float(fit.params[0]), float(fit.bse[0])
        bread = 1 / se**2
    p = expit(log_ratio + offset)
    groups, officers = _officer_codes(rows.officer[keep])
    return (log_ratio, *_officer_clusters(k, n, p, groups, officers, [[1 / bread]], se))


def _officer_codes(officer: np.ndarray) -> tuple[np.ndarray, int]:
    """Each row's officer as a number (stops without an officer id share one), and how many
    officers have an id."""
    ids = np.array(["" if o is None else str(o) for o in officer])
    return np.unique(ids, return_inverse=True)[1].astype(np.int64), len(set(ids) - {""})


def _officer_clusters(
    k: np.ndarray,
    n: np.ndarray,
    p: np.ndarray,
    groups: np.ndarray,
    officers: int,
    covariance: list | np.ndarray,
    se: float,
    design: np.ndarray | None = None,
    coefficient: int = 0,
) -> tuple[float, Interval, float | None]:
    """For a binomial model fitted with probabilities `p` to rows of k successes in n trials, one
    row per officer (and cell), `groups` each row's officer as a number and `officers` how many
    have an id: the standard error of `coefficient` (cluster-robust by officer
    with at least MIN_OFFICER_CLUSTERS officers, else `se`, the model's), how the interval is
    worked out, and the Pearson dispersion between the rows (with two officers or more).

    The model's rows split by officer have the same likelihood as the cells they split, so the
    estimates are the cells'; the rows' scores, x (k - n p), summed by officer, are the meat of
    statsmodels' cluster sandwich and the model's covariance its bread. Stops without an officer
    id count as one more officer, which errs towards a wider interval."""
    design = np.ones((len(k), 1)) if design is None else design
    dispersion = None
    if officers >= 2 and len(k) > design.shape[1]:
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = (k - n * p) ** 2 / (n * p * (1 - p))
        dispersion = float(np.nansum(terms) / (len(k) - design.shape[1]))
    if officers < MIN_OFFICER_CLUSTERS:
        return se, Interval.WALD, dispersion
    sandwich = sandwich_covariance.cov_cluster(
        (design * (k - n * p)[:, None], np.asarray(covariance)), groups
    )
    return math.sqrt(sandwich[coefficient, coefficient]), Interval.CLUSTER_ROBUST, dispersion


def _rate_ratio(
    rate: Estimate, reference: Estimate, rows: _Comparison, is_reference: bool
) -> Estimate:
    """Ratio of two Poisson rates in one place. With enough officers the interval is
    cluster-robust (approximate); otherwise it is the exact conditional interval: given the two
    counts' sum n, the group's count k is binomial with p = r E1 / (r E1 + E0), so the
    Clopper-Pearson bounds of p give the ratio's, r = p / (1 - p) * E0 / E1."""
    if is_reference:
        return Estimate.withheld(Gap.IS_REFERENCE)
    if rate.value is None:
        return Estimate.withheld(rate.gap)
    if reference.value is None:
        return Estimate.withheld(Gap.NO_REFERENCE)
    ratio = rate.value / reference.value
    k, m = int(rows.k.sum()), int(rows.m.sum())
    odds_to_ratio = ratio * m / k  # E0 / E1
    log_ratio, se, method, dispersion = _common_ratio(rows)
    if method is Interval.CLUSTER_ROBUST:
        return Estimate(
            ratio,
            math.exp(log_ratio - Z95 * se),
            math.exp(log_ratio + Z95 * se),
            se,
            method=method,
            dispersion=dispersion,
        )
    share = stats.binomtest(k, k + m).proportion_ci(confidence_level=0.95, method="exact")
    return Estimate(
        ratio,
        share.low / (1 - share.low) * odds_to_ratio,
        share.high / (1 - share.high) * odds_to_ratio,
        math.sqrt(1 / k + 1 / m),
        method=Interval.EXACT_CONDITIONAL,
        dispersion=dispersion,
    )


def _standardised_ratio(rows: _Comparison, is_reference: bool, no_district: Gap | None) -> Estimate:
    """The common rate ratio within districts (see `_common_ratio`), from the districts with a
    population figure for both groups. Its interval is a Wald interval, cluster-robust when
    officers allow: approximate either way."""
    if is_reference:
        return Estimate.withheld(Gap.IS_REFERENCE)
    if no_district is not None:
        return Estimate.withheld(no_district)
    if rows.k.sum() < MIN_EVENTS_FOR_RATE:
        return Estimate.withheld(Gap.FEW_EVENTS)
    if rows.m.sum() < MIN_EVENTS_FOR_RATE:
        return Estimate.withheld(Gap.NO_REFERENCE)
    log_ratio, se, method, dispersion = _common_ratio(rows)
    return Estimate(
        math.exp(log_ratio),
        math.exp(log_ratio - Z95 * se),
        math.exp(log_ratio + Z95 * se),
        se,
        method=method,
        dispersion=dispersion,
    )


# (district, group) -> officer id -> (stops, searches)
_OfficerCounts = dict[tuple[str, str], dict[str | None, tuple[int, int]]]


def _comparison(
    officers: _OfficerCounts,
    places: Sequence[str],
    group: str,
    measure: int,
    log_exposure_ratio: dict[str, float],
    pool: bool,
) -> _Comparison:
    """Rows of one group's and the reference group's events (`measure` 0 for stops, 1 for
    searches) in `places`: one row per district and officer, or per officer across the places
    (`pool`) with the exposure ratio given under the key ""."""
    rows: dict[tuple[str, str | None], list[int]] = {}
    for place in places:
        for index, who in ((0, group), (1, REFERENCE_GROUP)):
            for officer, counts in officers.get((place, who), {}).items():
                key = ("" if pool else place, officer)
                rows.setdefault(key, [0, 0])[index] += counts[measure]
    # In a fixed order, so the figures do not depend on the order of the records.
    keys = sorted(rows, key=lambda key: (key[0], key[1] is None, key[1] or ""))
    return _Comparison(
        k=np.array([rows[key][0] for key in keys], dtype=float),
        m=np.array([rows[key][1] for key in keys], dtype=float),
        log_exposure_ratio=np.array([log_exposure_ratio[place] for place, _o in keys]),
        officer=np.array([officer for _place, officer in keys], dtype=object),
    )


def _benchmark_cells(
    counts: dict[str, tuple[int, int]],
    populations: dict[str, int | None],
    years: float,
    officers: _OfficerCounts,
    places: Sequence[str],
) -> tuple[BenchmarkCell, ...]:
    stop_rates = {}
    search_rates = {}
    for group in GROUPS:
        stops, searches = counts.get(group, (0, 0))
        stop_rates[group] = _poisson_rate(stops, populations[group], years)
        search_rates[group] = _poisson_rate(searches, populations[group], years)
    cells = []
    for group in GROUPS:
        stops, searches = counts.get(group, (0, 0))
        is_reference = group == REFERENCE_GROUP
        log_exposure = {}
        if not is_reference and populations[group] and populations[REFERENCE_GROUP]:
            log_exposure[""] = math.log(populations[group] / populations[REFERENCE_GROUP])

        def ratio(
            rates, measure, group=group, is_reference=is_reference, log_exposure=log_exposure
        ):
            if is_reference or rates[group].value is None or rates[REFERENCE_GROUP].value is None:
                rows = None
            else:
                rows = _comparison(officers, places, group, measure, log_exposure, pool=True)
            return _rate_ratio(rates[group], rates[REFERENCE_GROUP], rows, is_reference)

        cells.append(
            BenchmarkCell(
                group=group,
                population=populations[group],
                stops=stops,
                searches=searches,
                stop_rate=stop_rates[group],
                search_rate=search_rates[group],
                stop_ratio=ratio(stop_rates, 0),
                search_ratio=ratio(search_rates, 1),
            )
        )
    return tuple(cells)


def _check_districts(districts: Sequence[DistrictInfo]) -> None:
    codes = [district.code for district in districts]
    if len(set(codes)) != len(codes):
        raise ValueError(f"District codes must be unique: {codes}")


def _standardised(
    cell: BenchmarkCell, districts: Sequence[DistrictInfo], officers: _OfficerCounts
) -> BenchmarkCell:
    is_reference = cell.group == REFERENCE_GROUP
    log_exposure = {}
    for district in districts:
        population = district.population_by_group.get(cell.group)
        reference = district.population_by_group.get(REFERENCE_GROUP)
        if population and reference:
            log_exposure[district.code] = math.log(population / reference)
    places = list(log_exposure)
    no_district = None if places else Gap.MISSING_POPULATION

    def standardised(measure: int) -> Estimate:
        rows = _comparison(officers, places, cell.group, measure, log_exposure, pool=False)
        return _standardised_ratio(rows, is_reference, no_district)

    return replace(
        cell, stop_ratio_standardised=standardised(0), search_ratio_standardised=standardised(1)
    )


def benchmark_rates(
    stops: pl.LazyFrame, districts: Sequence[DistrictInfo], *, years: float
) -> BenchmarkResult:
    """Stops and searches per 1,000 residents per year, by group across the given districts and
    by district and group, each with Garwood's exact Poisson 95% interval, and each group's rate
    as a ratio to the white rate in the same place (see `_rate_ratio` for its interval). Across
    districts each group also has a district-standardised ratio (`_standardised_ratio`): the
    crude ratio of the sums mixes where police are deployed with how groups are treated, and
    the standardised one compares groups within each district only.

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
    # Grouped by race as stored (casting every row's category to text costs more than the
    # grouping), then named.
    rows = (
        stops.group_by("district", "subject_race", "officer_id")
        .agg(stops=pl.len(), searches=pl.col("search_conducted").sum())
        .collect(engine="streaming")
        .with_columns(pl.col("subject_race").cast(pl.String))
    )
    counts: dict[str, dict[str, tuple[int, int]]] = {district.code: {} for district in districts}
    officers: _OfficerCounts = {}
    left_out = dict.fromkeys(LeftOut, 0)
    records = 0
    for code, race, officer, n_stops, n_searches in rows.iter_rows():
        records += n_stops
        if code not in counts:
            left_out[LeftOut.OUTSIDE_DISTRICTS] += n_stops
        elif race is None or race not in GROUPS:
            left_out[LeftOut.UNKNOWN_RACE] += n_stops
        else:
            stops_before, searches_before = counts[code].get(race, (0, 0))
            counts[code][race] = (stops_before + n_stops, searches_before + n_searches)
            officers.setdefault((code, race), {})[officer] = (n_stops, n_searches)

    by_district = []
    for district in districts:
        populations = {group: district.population_by_group.get(group) for group in GROUPS}
        by_district.append(
            DistrictBenchmark(
                district.code,
                district.name,
                _benchmark_cells(
                    counts[district.code], populations, years, officers, [district.code]
                ),
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
    overall = _benchmark_cells(
        totals, total_populations, years, officers, [d.code for d in districts]
    )
    overall = tuple(_standardised(cell, districts, officers) for cell in overall)
    return BenchmarkResult(
        years=years,
        reference_group=REFERENCE_GROUP,
        overall=overall,
        by_district=tuple(by_district),
        records=records,
        left_out=_left_out(left_out),
        officer_clusters=len({o for cell in officers.values() for o in cell if o is not None}),
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
    records: int = 0  # every stop given to the analysis
    # Why the other records were left out (see `LeftOut`): records == stops + their sum.
    left_out: tuple[tuple[LeftOut, int], ...] = ()
    # The interval is a Wald interval: cluster-robust by officer with enough officers' ids,
    # from the model's own variance otherwise; approximate either way.
    method: Interval = Interval.WALD
    officer_clusters: int = 0
    dispersion: float | None = None

    @property
    def approximate(self) -> bool:
        return self.method in APPROXIMATE

    @property
    def used(self) -> int:
        return self.stops


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
    counts gives the same estimates as fitting every stop, at a fraction of the cost; the counts
    split by officer give the cluster-robust variance (see `_officer_clusters`). Every record
    not used is counted in `left_out` with its reason. The OPP runs the test on vehicle stops
    only; the caller chooses the stops (the published estimate and the page use vehicle stops),
    and the README lists where these rules differ from the OPP's code.
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
    minute = (pl.col("time").dt.hour().cast(pl.Int16) * 60) + pl.col("time").dt.minute()
    race = pl.col("subject_race")
    codes = [d.code for d in districts]
    # Counted first by district, race, clock minute and whether the date is missing (a few
    # thousand rows at most), which is enough to say why most records are left out.
    profile = (
        stops.group_by(
            "district",
            race.alias("race"),
            minute.alias("minute"),
            no_date=pl.col("date").is_null(),
        )
        .len("stops")
        .collect(engine="streaming")
        .with_columns(pl.col("race").cast(pl.String))
        .join(windows, on="district", how="left")
        .with_columns(
            reason=pl.when(pl.col("district").is_null() | ~pl.col("district").is_in(codes))
            .then(pl.lit(LeftOut.OUTSIDE_DISTRICTS.value))
            .when(pl.col("race").is_null() | ~pl.col("race").is_in(GROUPS))
            .then(pl.lit(LeftOut.UNKNOWN_RACE.value))
            .when(~pl.col("race").is_in([minority, majority]))
            .then(pl.lit(LeftOut.OTHER_GROUP.value))
            .when(~pl.col("district").is_in([d.code for d in located]))
            .then(pl.lit(LeftOut.NO_LOCATION.value))
            .when(pl.col("minute").is_null() | pl.col("no_date"))
            .then(pl.lit(LeftOut.NO_TIME.value))
            .when(pl.col("start").is_null())
            .then(pl.lit(LeftOut.NO_DUSK.value))
            .when(~pl.col("minute").is_between(pl.col("start"), pl.col("end")))
            .then(pl.lit(LeftOut.OUTSIDE_WINDOW.value))
        )
    )
    left_out = dict.fromkeys(LeftOut, 0)
    for reason, n in (
        profile.group_by("reason").agg(pl.col("stops").sum()).drop_nulls("reason").iter_rows()
    ):
        left_out[LeftOut(reason)] = n
    records = int(profile["stops"].sum())
    # The others, in their district's window, against the sun on their own day: left out when
    # that evening has no dusk or the stop falls from the sunset's minute to the dusk's, and
    # counted by district, minute, darkness and officer when used.
    earliest = min((start for start, _end in window_of.values()), default=0)
    latest = max((end for _start, end in window_of.values()), default=-1)
    on_the_day = (
        stops.select("date", "time", "district", "subject_race", "officer_id")
        .filter(
            race.is_in([minority, majority]),
            pl.col("district").is_in(list(window_of)),
            pl.col("date").is_not_null(),
        )
        .with_columns(minute=minute)
        .filter(pl.col("minute").is_between(earliest, latest))
        .join(windows.lazy(), on="district")
        .filter(pl.col("minute").is_between(pl.col("start"), pl.col("end")))
        .join(sun_table.lazy(), on=["district", "date"], how="left")
        .with_columns(
            reason=pl.when(pl.col("dusk_minute").is_null())
            .then(pl.lit(LeftOut.NO_DUSK.value))
            .when(pl.col("minute").is_between(pl.col("sunset_minute"), pl.col("dusk_minute")))
            .then(pl.lit(LeftOut.SUNSET_TO_DUSK.value))
        )
        .group_by(
            "reason",
            pl.when(pl.col("reason").is_null()).then(pl.col("district")).alias("district"),
            pl.when(pl.col("reason").is_null()).then(pl.col("minute")).alias("minute"),
            pl.when(pl.col("reason").is_null()).then(pl.col("officer_id")).alias("officer_id"),
            is_dark=pl.when(pl.col("reason").is_null()).then(
                pl.col("minute") > pl.col("dusk_minute")
            ),
        )
        .agg(stops=pl.len(), minority=(race == minority).sum())
        .collect(engine="streaming")
    )
    for reason, n in (
        on_the_day.group_by("reason").agg(pl.col("stops").sum()).drop_nulls("reason").iter_rows()
    ):
        left_out[LeftOut(reason)] += n
    officer_cells = on_the_day.filter(pl.col("reason").is_null()).drop("reason")
    counts = (
        officer_cells.group_by("district", "minute", "is_dark")
        .agg(pl.col("stops").sum(), pl.col("minority").sum())
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
    left_out[LeftOut.ONE_GROUP_DISTRICT] = sum(
        d.minority_stops + d.majority_stops for d in by_district if not d.used
    )
    cells = counts.filter(pl.col("district").is_in(used_codes)).with_row_index("cell")
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
    se = float(fit.bse[1])
    # The same cells split by officer have the same binomial likelihood, so the same estimates;
    # their scores, summed by officer, give the cluster-robust (sandwich) variance and the
    # Pearson dispersion between officers, without fitting the larger table again.
    by_officer = officer_cells.join(
        cells.select("cell", "district", "minute", "is_dark"),
        on=["district", "minute", "is_dark"],
    ).sort("cell", "officer_id", nulls_last=True)
    n_officers = by_officer["officer_id"].drop_nulls().n_unique()
    rows = by_officer["cell"].to_numpy()
    groups = by_officer["officer_id"].fill_null("").cast(pl.Categorical).to_physical().to_numpy()
    se, method, dispersion = _officer_clusters(
        by_officer["minority"].to_numpy().astype(float),
        by_officer["stops"].to_numpy().astype(float),
        fit.fittedvalues[rows],
        groups.astype(np.int64),
        n_officers,
        fit.normalized_cov_params,
        se,
        design=design[rows],
        coefficient=1,
    )
    coefficient = float(fit.params[1])
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
        p_value=float(2 * stats.norm.sf(abs(coefficient) / se)),
        stops=n_used,
        minority_stops=sum(d.minority_stops for d in used),
        dark_stops=n_dark,
        districts=len(used),
        by_district=tuple(by_district),
        districts_without_coordinates=tuple(
            d.code for d in districts if d.latitude is None or d.longitude is None
        ),
        records=records,
        left_out=_left_out(left_out),
        method=method,
        officer_clusters=n_officers,
        dispersion=dispersion,
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
    records: int  # every stop given to the analysis
    # Outside the districts and race unknown: left out of everything; no search record: left
    # out of search rates; a search with no recorded result: left out of hit rates.
    left_out: tuple[tuple[LeftOut, int], ...]

    @property
    def used(self) -> int:
        """Stops in the search rates: in the districts, of a known group, search recorded."""
        return sum(summary.stops for summary in self.overall)


def _proportion(
    by_officer: Sequence[tuple[str | None, int, int]], minimum: int, gap: Gap
) -> Estimate:
    """Successes over trials, given as (officer id, successes, trials) rows. The interval is
    Wilson's score interval, or, with at least MIN_OFFICER_CLUSTERS officers, a cluster-robust
    Wald interval on the log-odds scale (an intercept-only binomial GLM, officers as clusters),
    so that officers who search alike do not make the figure look surer than it is. Where
    officer ids exist the Pearson dispersion between officers is given too."""
    successes = sum(row[1] for row in by_officer)
    trials = sum(row[2] for row in by_officer)
    if trials < minimum:
        return Estimate.withheld(gap)
    p = successes / trials
    se = math.sqrt(p * (1 - p) / trials)
    low, high = proportion_confint(successes, trials, alpha=0.05, method="wilson")
    rows = [row for row in by_officer if row[2]]
    if not 0 < successes < trials:
        return Estimate(p, low, high, se, method=Interval.WILSON)
    # On the log-odds scale, as an intercept-only binomial GLM would fit it.
    y = np.array([row[1] for row in rows], dtype=float)
    n = np.array([row[2] for row in rows], dtype=float)
    groups, officers = _officer_codes(np.array([row[0] for row in rows], dtype=object))
    information = trials * p * (1 - p)
    log_odds_se, method, dispersion = _officer_clusters(
        y, n, np.full(len(rows), p), groups, officers, [[1 / information]], information**-0.5
    )
    if method is not Interval.CLUSTER_ROBUST:
        return Estimate(p, low, high, se, method=Interval.WILSON, dispersion=dispersion)
    log_odds = math.log(p / (1 - p))
    return Estimate(
        p,
        float(expit(log_odds - Z95 * log_odds_se)),
        float(expit(log_odds + Z95 * log_odds_se)),
        p * (1 - p) * log_odds_se,
        method=method,
        dispersion=dispersion,
    )


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
        stops.group_by("district", "subject_race", "officer_id")
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
        .with_columns(pl.col("subject_race").cast(pl.String))
        .sort("district", "subject_race", "officer_id", nulls_last=True)
    )
    # (district, group) -> rows of (officer, stops with a search record, searches, searches
    # with a recorded result, hits)
    officers: dict[tuple[str, str], list[tuple[str | None, int, int, int, int]]] = {}
    district_stops = {d.code: 0 for d in districts}
    left_out = dict.fromkeys(LeftOut, 0)
    records = 0
    for code, race, officer, all_stops, n_stops, searches, with_result, hits in rows.iter_rows():
        records += all_stops
        if code not in district_stops:
            left_out[LeftOut.OUTSIDE_DISTRICTS] += all_stops
            continue
        district_stops[code] += all_stops
        if race not in GROUPS:
            left_out[LeftOut.UNKNOWN_RACE] += all_stops
            continue
        left_out[LeftOut.NO_SEARCH_RECORD] += all_stops - n_stops
        left_out[LeftOut.NO_SEARCH_RESULT] += searches - with_result
        officers.setdefault((code, race), []).append(
            (officer, n_stops, searches, with_result, hits)
        )
    counts: dict[str, dict[str, tuple[int, int, int, int]]] = {
        d.code: {
            race: tuple(sum(row[i] for row in by_officer) for i in range(1, 5))
            for (code, race), by_officer in officers.items()
            if code == d.code
        }
        for d in districts
    }
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
            by_officer = officers.get((district.code, group), [])
            rates[group] = (
                _proportion(
                    [(o, searches, n) for o, n, searches, _w, _h in by_officer],
                    MIN_STOPS_FOR_SEARCH_RATE,
                    Gap.FEW_STOPS,
                ),
                _proportion(
                    [(o, hits, with_result) for o, _n, _s, with_result, hits in by_officer],
                    MIN_SEARCHES_FOR_HIT_RATE,
                    Gap.FEW_SEARCHES,
                ),
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
        records=records,
        left_out=_left_out(left_out),
    )
