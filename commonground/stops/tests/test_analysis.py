"""The estimators find what synthetic data planted, find nothing when nothing was planted, and
refuse to give a figure the data cannot support."""

import datetime
import math

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonground.stops import analysis
from commonground.stops.analysis import DistrictInfo, Gap, Interval, LeftOut, NotEnoughData
from commonground.stops.synthetic import generate_stops

ZONE = "America/Chicago"
START, END = datetime.date(2023, 1, 1), datetime.date(2024, 12, 31)
YEARS = ((END - START).days + 1) / 365.25


def districts(n: int = 4) -> list[DistrictInfo]:
    return [
        DistrictInfo(
            code=f"D{i + 1}",
            name=f"District {i + 1}",
            population_by_group={
                "asian/pacific islander": 3000 + 500 * i,
                "black": 12_000 + 4000 * i,
                "hispanic": 9000,
                "white": 30_000 - 3000 * i,
                "other": 1500,
            },
            latitude=41.6 + 0.04 * i,
            longitude=-87.7 + 0.05 * i,
        )
        for i in range(n)
    ]


def stops(n: int, seed: int = 1, **effects) -> pl.DataFrame:
    return generate_stops(
        n, seed=seed, districts=districts(), time_zone=ZONE, start=START, end=END, **effects
    )


def covers(estimate, truth: float) -> bool:
    return estimate.low < truth < estimate.high


def overall(result, group: str):
    return next(cell for cell in result.overall if cell.group == group)


# Benchmark ---------------------------------------------------------------------------------


def test_benchmark_recovers_planted_stop_rate_ratios():
    planted = {"black": 2.0, "hispanic": 1.4, "asian/pacific islander": 0.8}
    result = analysis.benchmark_rates(
        stops(200_000, stop_rates=planted).lazy(), districts(), years=YEARS
    )
    for group, ratio in planted.items():
        assert covers(overall(result, group).stop_ratio, ratio), group
    for district in result.by_district:
        black = next(cell for cell in district.groups if cell.group == "black")
        assert covers(black.stop_ratio, 2.0), district.code


def test_benchmark_finds_no_disparity_when_none_was_planted():
    result = analysis.benchmark_rates(stops(200_000).lazy(), districts(), years=YEARS)
    for cell in result.overall:
        if cell.group != "white":
            assert covers(cell.stop_ratio, 1.0), cell.group
            assert covers(cell.search_ratio, 1.0), cell.group


def test_benchmark_rate_interval_is_garwoods_exact_poisson_interval():
    rate = analysis._poisson_rate(10, 1000, 1.0)
    # 10 events in 1,000 resident-years: the textbook exact interval is 4.795 to 18.39.
    assert rate.value == pytest.approx(10.0)
    assert rate.low == pytest.approx(4.7954, abs=1e-3)
    assert rate.high == pytest.approx(18.390, abs=1e-3)


def test_benchmark_withholds_rates_it_cannot_support():
    places = [
        DistrictInfo("D1", "One", {"black": 50, "white": 5000}, None, None),
        DistrictInfo("D2", "Two", {"white": 5000}, None, None),
    ]
    frame = pl.DataFrame(
        {"district": ["D1"] * 30 + ["D2"] * 5, "subject_race": ["black"] * 30 + ["white"] * 5}
    )
    rows = frame.with_columns(
        search_conducted=pl.lit(False), officer_id=pl.lit(None, dtype=pl.String)
    )
    result = analysis.benchmark_rates(rows.lazy(), places, years=1)
    one, two = result.by_district
    assert next(c for c in one.groups if c.group == "black").stop_rate.gap == Gap.SMALL_POPULATION
    assert next(c for c in two.groups if c.group == "black").stop_rate.gap == (
        Gap.MISSING_POPULATION
    )
    assert next(c for c in two.groups if c.group == "white").stop_rate.gap == Gap.FEW_EVENTS
    assert overall(result, "black").stop_rate.gap == Gap.MISSING_POPULATION


def test_benchmark_needs_population_figures():
    bare = [DistrictInfo("D1", "One", {}, 41.6, -87.7)]
    with pytest.raises(NotEnoughData, match="population"):
        analysis.benchmark_rates(stops(1000).lazy(), bare, years=1)


def test_standardised_ratio_is_one_when_every_district_stops_groups_alike_though_crude_is_not():
    # Every group is stopped at the same rate per resident within each district, but police
    # are deployed three times as heavily in D4, where more Black residents live: summing the
    # districts makes Black residents look stopped 1.2 times as often as white residents.
    result = analysis.benchmark_rates(
        stops(300_000, district_rates={"D3": 2.0, "D4": 3.0}).lazy(), districts(), years=YEARS
    )
    black = overall(result, "black")
    assert black.stop_ratio.value == pytest.approx(1.18, abs=0.03)
    assert black.stop_ratio.low > 1.1
    standardised = black.stop_ratio_standardised
    assert covers(standardised, 1.0)
    assert standardised.value == pytest.approx(1.0, abs=0.02)
    assert standardised.approximate
    for cell in result.overall:
        if cell.group != "white":
            assert cell.stop_ratio_standardised.value == pytest.approx(1.0, abs=0.03), cell.group
            assert cell.search_ratio_standardised.value == pytest.approx(1.0, abs=0.1), cell.group
            assert cell.stop_ratio.value > 1.03, cell.group
    assert overall(result, "white").stop_ratio_standardised.gap == Gap.IS_REFERENCE


def test_standardised_ratio_is_the_mantel_haenszel_rate_ratio_and_recovers_a_planted_one():
    result = analysis.benchmark_rates(
        stops(300_000, stop_rates={"black": 2.0}, district_rates={"D1": 4.0}).lazy(),
        districts(),
        years=YEARS,
    )
    numerator = denominator = 0.0
    for district, info in zip(result.by_district, districts(), strict=True):
        cells = {cell.group: cell for cell in district.groups}
        black, white = info.population_by_group["black"], info.population_by_group["white"]
        numerator += cells["black"].stops * white / (black + white)
        denominator += cells["white"].stops * black / (black + white)
    standardised = overall(result, "black").stop_ratio_standardised
    assert standardised.value == pytest.approx(numerator / denominator, rel=0.01)
    assert covers(standardised, 2.0)


def test_standardised_ratio_in_one_district_is_the_crude_ratio():
    one = districts(1)
    result = analysis.benchmark_rates(
        stops(20_000, stop_rates={"black": 1.5}).filter(pl.col("district") == "D1").lazy(),
        one,
        years=YEARS,
    )
    black = overall(result, "black")
    assert black.stop_ratio_standardised.value == pytest.approx(black.stop_ratio.value)
    assert covers(black.stop_ratio_standardised, black.stop_ratio.value)


def test_rate_ratio_interval_from_few_stops_is_the_exact_conditional_interval():
    places = [DistrictInfo("D1", "One", {"black": 1000, "white": 1000}, None, None)]
    frame = pl.DataFrame(
        {
            "district": ["D1"] * 30,
            "subject_race": ["black"] * 10 + ["white"] * 20,
            "search_conducted": [False] * 30,
            "officer_id": [None] * 30,
        },
        schema_overrides={"officer_id": pl.String},
    )
    ratio = overall(analysis.benchmark_rates(frame.lazy(), places, years=1), "black").stop_ratio
    # R: poisson.test(c(10, 20), c(1000, 1000)) gives 0.5 (0.2090060 to 1.1191830); the normal
    # interval on the log scale would claim 0.234 to 1.068.
    assert ratio.value == pytest.approx(0.5)
    assert ratio.low == pytest.approx(0.2090060, abs=1e-6)
    assert ratio.high == pytest.approx(1.1191830, abs=1e-6)
    assert ratio.method == Interval.EXACT_CONDITIONAL
    assert not ratio.approximate


def clustered_stops(seed: int, officers: int = 60, per_officer: int = 150) -> pl.DataFrame:
    """Black and white residents equally many and stopped alike overall, but each officer
    stops a different mix of them (log-odds of a Black subject drawn from N(0, 0.8))."""
    rng = np.random.default_rng(seed)
    share = 1 / (1 + np.exp(-rng.normal(0, 0.8, officers)))
    black = rng.random((officers, per_officer)) < share[:, None]
    return pl.DataFrame(
        {
            "district": ["D1"] * black.size,
            "subject_race": np.where(black.ravel(), "black", "white"),
            "search_conducted": rng.random(black.size) < 0.3,
            "officer_id": np.repeat([f"{100 + i}" for i in range(officers)], per_officer),
        }
    )


def test_rate_ratio_interval_allows_for_stops_clustered_by_officer():
    places = [DistrictInfo("D1", "One", {"black": 20_000, "white": 20_000}, None, None)]
    robust = exact = 0
    for seed in range(40):
        frame = clustered_stops(seed)
        ratio = overall(analysis.benchmark_rates(frame.lazy(), places, years=1), "black")
        assert ratio.stop_ratio.method == Interval.CLUSTER_ROBUST
        assert ratio.stop_ratio.dispersion > 5
        robust += covers(ratio.stop_ratio, 1.0)
        anonymous = frame.with_columns(officer_id=pl.lit(None, dtype=pl.String))
        naive = overall(analysis.benchmark_rates(anonymous.lazy(), places, years=1), "black")
        assert naive.stop_ratio.method == Interval.EXACT_CONDITIONAL
        exact += covers(naive.stop_ratio, 1.0)
    # Ignoring the officers, the interval is five times too narrow and misses most of the time.
    assert exact < 25
    assert robust >= 34


def with_gaps(frame: pl.DataFrame) -> pl.DataFrame:
    """Every 50th record without a time, every 70th in a district not analysed, every 30th
    without a search record, every 20th search without a result."""
    index = pl.int_range(pl.len())
    return frame.with_columns(
        time=pl.when(index % 50 == 0).then(None).otherwise(pl.col("time")),
        district=pl.when(index % 70 == 1).then(pl.lit("ZZ")).otherwise(pl.col("district")),
        search_conducted=pl.when(index % 30 == 2).then(None).otherwise(pl.col("search_conducted")),
        contraband_found=pl.when(pl.col("search_conducted") & (index % 20 == 3))
        .then(None)
        .otherwise(pl.col("contraband_found")),
    )


def test_every_analysis_counts_the_records_it_leaves_out_and_why():
    frame = with_gaps(stops(60_000, seed=4, darkness_effect=-0.3))
    inside = frame.filter(pl.col("district") != "ZZ")
    known = inside.filter(pl.col("subject_race") != "unknown")
    outside, unknown = len(frame) - len(inside), len(inside) - len(known)

    benchmark = analysis.benchmark_rates(frame.lazy(), districts(), years=YEARS)
    assert dict(benchmark.left_out) == {
        LeftOut.OUTSIDE_DISTRICTS: outside,
        LeftOut.UNKNOWN_RACE: unknown,
    }
    assert benchmark.records == len(frame)
    assert benchmark.used == sum(cell.stops for cell in benchmark.overall)

    outcomes = analysis.outcome_test(frame.lazy(), districts())
    left_out = dict(outcomes.left_out)
    assert left_out[LeftOut.NO_SEARCH_RECORD] == known["search_conducted"].null_count()
    assert left_out[LeftOut.NO_SEARCH_RESULT] == (
        known.filter(pl.col("search_conducted"))["contraband_found"].null_count()
    )
    assert left_out[LeftOut.OUTSIDE_DISTRICTS] == outside
    assert sum(c.stops for c in outcomes.overall) == (
        len(known) - left_out[LeftOut.NO_SEARCH_RECORD]
    )

    vod = analysis.veil_of_darkness(frame.lazy(), districts(), time_zone=ZONE)
    pair = known.filter(pl.col("subject_race").is_in(["black", "white"]))
    sun = analysis.sun_times(districts(), START, END, time_zone=ZONE)
    windows = sun.group_by("district").agg(
        start=pl.col("dusk_minute").min(), end=pl.col("dusk_minute").max()
    )
    timed = (
        pair.drop_nulls("time")
        .with_columns(
            minute=pl.col("time").dt.hour().cast(pl.Int16) * 60 + pl.col("time").dt.minute()
        )
        .join(windows, on="district")
        .filter(pl.col("minute").is_between(pl.col("start"), pl.col("end")))
        .join(sun, on=["district", "date"])
    )
    twilight = timed.filter(
        pl.col("minute").is_between(pl.col("sunset_minute"), pl.col("dusk_minute"))
    )
    assert dict(vod.left_out) == {
        LeftOut.OUTSIDE_DISTRICTS: outside,
        LeftOut.UNKNOWN_RACE: unknown,
        LeftOut.OTHER_GROUP: len(known) - len(pair),
        LeftOut.NO_TIME: pair["time"].null_count(),
        LeftOut.OUTSIDE_WINDOW: len(pair.drop_nulls("time")) - len(timed),
        LeftOut.SUNSET_TO_DUSK: len(twilight),
    }
    assert vod.stops == len(timed) - len(twilight)
    assert vod.records == vod.stops + sum(n for _reason, n in vod.left_out)


def test_veil_of_darkness_counts_the_evenings_with_no_dusk_it_leaves_out():
    # Fairbanks: from late April to mid-August civil dusk never comes.
    north = [DistrictInfo("N1", "Fairbanks", {"black": 5000, "white": 20_000}, 64.84, -147.72)]
    frame = generate_stops(
        80_000,
        seed=5,
        districts=north,
        time_zone="America/Anchorage",
        start=datetime.date(2023, 1, 1),
        end=datetime.date(2023, 12, 31),
    )
    vod = analysis.veil_of_darkness(frame.lazy(), north, time_zone="America/Anchorage")
    sun = analysis.sun_times(
        north, datetime.date(2023, 1, 1), datetime.date(2023, 12, 31), time_zone="America/Anchorage"
    )
    start, end = sun["dusk_minute"].min(), sun["dusk_minute"].max()
    no_dusk = (
        frame.filter(pl.col("subject_race").is_in(["black", "white"]))
        .with_columns(
            minute=pl.col("time").dt.hour().cast(pl.Int16) * 60 + pl.col("time").dt.minute()
        )
        .filter(
            pl.col("minute").is_between(start, end), ~pl.col("date").is_in(sun["date"].to_list())
        )
    )
    assert len(no_dusk) > 1000
    assert dict(vod.left_out)[LeftOut.NO_DUSK] == len(no_dusk)
    assert vod.records == vod.stops + sum(n for _reason, n in vod.left_out)


# Veil of darkness --------------------------------------------------------------------------


# One seed each for the two single-sample tests below; whether the intervals are honest across
# seeds is the coverage test's job (seed 1 happens to fall 2 standard errors low).
def test_veil_of_darkness_recovers_a_planted_effect():
    result = analysis.veil_of_darkness(
        stops(300_000, seed=0, darkness_effect=-0.4).lazy(), districts(), time_zone=ZONE
    )
    assert result.low < -0.4 < result.high
    assert result.high < 0
    assert result.odds_ratio == pytest.approx(math.exp(result.coefficient))
    assert result.districts == 4


def test_veil_of_darkness_finds_nothing_when_nothing_was_planted():
    result = analysis.veil_of_darkness(stops(300_000, seed=0).lazy(), districts(), time_zone=ZONE)
    assert result.low < 0 < result.high


@pytest.mark.parametrize("effect", [-0.3, 0.0])
def test_veil_of_darkness_interval_covers_the_truth_about_95_times_in_100(effect):
    covered = 0
    for seed in range(40):
        result = analysis.veil_of_darkness(
            stops(60_000, seed=seed, darkness_effect=effect, minority="hispanic").lazy(),
            districts(),
            time_zone=ZONE,
            minority="hispanic",
        )
        covered += result.low < effect < result.high
    # With 95% coverage, 33 or fewer of 40 would happen about once in 200 seeds.
    assert covered >= 34


def test_veil_of_darkness_on_counts_equals_the_model_fitted_on_every_stop_clustered_by_officer():
    frame = stops(40_000, darkness_effect=-0.3)
    result = analysis.veil_of_darkness(frame.lazy(), districts(), time_zone=ZONE)
    # The same model fitted stop by stop (as the OPP's R code does).
    sun = analysis.sun_times(districts(), START, END, time_zone=ZONE)
    windows = sun.group_by("district").agg(
        start=pl.col("dusk_minute").min(), end=pl.col("dusk_minute").max()
    )
    rows = (
        frame.filter(pl.col("subject_race").is_in(["black", "white"]))
        .with_columns(
            minute=pl.col("time").dt.hour().cast(pl.Int16) * 60 + pl.col("time").dt.minute()
        )
        .join(sun.join(windows, on="district"), on=["district", "date"])
        .filter(
            pl.col("minute").is_between(pl.col("start"), pl.col("end")),
            (pl.col("minute") < pl.col("sunset_minute"))
            | (pl.col("minute") > pl.col("dusk_minute")),
        )
        .sort("district", "minute")
    )
    minutes = rows["minute"].to_numpy()
    codes = sorted(set(rows["district"]))
    design = np.column_stack(
        [
            np.ones(len(rows)),
            (rows["minute"] > rows["dusk_minute"]).to_numpy().astype(float),
            analysis._spline_basis(minutes, np.ones(len(rows))),
            *[(rows["district"] == code).to_numpy().astype(float) for code in codes[1:]],
        ]
    )
    fit = sm.Logit((rows["subject_race"] == "black").to_numpy().astype(float), design).fit(
        disp=False,
        cov_type="cluster",
        cov_kwds={"groups": rows["officer_id"].cast(pl.Categorical).to_physical().to_numpy()},
    )
    assert result.stops == len(rows)
    assert result.method == Interval.CLUSTER_ROBUST
    assert result.officer_clusters == rows["officer_id"].n_unique()
    assert result.coefficient == pytest.approx(fit.params[1], rel=1e-6)
    # The small-sample factor (n - 1) / (n - k) counts rows: stops here, officers' cells there.
    assert result.standard_error == pytest.approx(fit.bse[1], rel=1e-3)


def stops_by_seasonal_officers(seed: int) -> pl.DataFrame:
    """Stops with no darkness effect, made by 30 summer and 30 winter officers, each of whom
    stops Black drivers at odds of their own (log-odds shifted by N(0, 0.6)): at a given clock
    time the dark stops are mostly winter officers', so the officers' chance differences look
    like a darkness effect unless their stops are treated as clusters."""
    frame = stops(30_000, seed=seed)
    rng = np.random.default_rng(seed + 1000)
    n = len(frame)
    month = frame["date"].dt.month().to_numpy()
    officer = np.where((month >= 4) & (month <= 9), rng.integers(0, 30, n), rng.integers(30, 60, n))
    shift = rng.normal(0, 0.6, 60)
    places = districts()
    share = np.array(
        [
            d.population_by_group["black"]
            / (d.population_by_group["black"] + d.population_by_group["white"])
            for d in places
        ]
    )
    district = np.searchsorted([d.code for d in places], frame["district"].to_numpy())
    race = frame["subject_race"].cast(pl.String).to_numpy()
    black = rng.random(n) < 1 / (
        1 + np.exp(-(np.log(share / (1 - share))[district] + shift[officer]))
    )
    race = np.where((race == "black") | (race == "white"), np.where(black, "black", "white"), race)
    return frame.with_columns(
        subject_race=pl.Series(race).cast(frame["subject_race"].dtype),
        officer_id=pl.Series([str(100 + o) for o in officer]),
    )


def test_veil_of_darkness_interval_allows_for_stops_clustered_by_officer():
    robust = naive = 0
    for seed in range(30):
        frame = stops_by_seasonal_officers(seed)
        result = analysis.veil_of_darkness(frame.lazy(), districts(), time_zone=ZONE)
        assert result.method == Interval.CLUSTER_ROBUST and result.officer_clusters == 60
        robust += result.low < 0 < result.high
        anonymous = frame.with_columns(officer_id=pl.lit(None, dtype=pl.String))
        plain = analysis.veil_of_darkness(anonymous.lazy(), districts(), time_zone=ZONE)
        assert plain.method == Interval.WALD
        naive += plain.low < 0 < plain.high
    # Seeded: 28 of 30 against 18 of 30 for the interval that ignores the officers.
    assert robust >= 26
    assert naive <= 22


def test_veil_of_darkness_needs_enough_stops_in_the_window():
    with pytest.raises(NotEnoughData, match="at least 500"):
        analysis.veil_of_darkness(stops(600).lazy(), districts(), time_zone=ZONE)


def test_veil_of_darkness_needs_district_locations():
    unplaced = [
        DistrictInfo(d.code, d.name, d.population_by_group, None, None) for d in districts()
    ]
    with pytest.raises(NotEnoughData, match="latitude and longitude"):
        analysis.veil_of_darkness(stops(10_000).lazy(), unplaced, time_zone=ZONE)


def test_veil_of_darkness_needs_both_light_and_dark():
    # A fortnight in June: every window stop is in daylight, as no clock time is dark on some
    # days and light on others... except by a minute or two; the model refuses either way.
    june = generate_stops(
        20_000,
        seed=3,
        districts=districts(),
        time_zone=ZONE,
        start=datetime.date(2024, 6, 10),
        end=datetime.date(2024, 6, 24),
    )
    with pytest.raises(NotEnoughData):
        analysis.veil_of_darkness(june.lazy(), districts(), time_zone=ZONE)


# Outcome test -------------------------------------------------------------------------------


def test_outcome_test_recovers_planted_hit_rate_gaps():
    result = analysis.outcome_test(
        stops(
            300_000,
            search_rates={"black": 0.08, "white": 0.04},
            hit_rates={"black": 0.18, "white": 0.30, "hispanic": 0.24},
        ).lazy(),
        districts(),
    )
    assert covers(overall(result, "black").hit_rate_difference, -0.12)
    assert covers(overall(result, "hispanic").hit_rate_difference, -0.06)
    assert covers(overall(result, "black").search_rate, 0.08)
    assert covers(overall(result, "white").hit_rate, 0.30)
    assert overall(result, "white").hit_rate_difference.gap == Gap.IS_REFERENCE


def test_outcome_test_finds_no_gap_when_none_was_planted():
    result = analysis.outcome_test(stops(300_000).lazy(), districts())
    for cell in result.overall:
        if cell.group != "white":
            assert covers(cell.hit_rate_difference, 0.0), cell.group


def test_outcome_test_withholds_hit_rates_from_few_searches():
    result = analysis.outcome_test(stops(3000).lazy(), districts())
    asian = overall(result, "asian/pacific islander")
    assert asian.hit_rate.gap == Gap.FEW_SEARCHES
    assert asian.hit_rate.value is None


def test_outcome_test_needs_searches():
    frame = stops(2000).with_columns(search_conducted=pl.lit(False))
    with pytest.raises(NotEnoughData, match="records a search"):
        analysis.outcome_test(frame.lazy(), districts())


def test_hit_rate_interval_allows_for_officers_who_search_differently():
    # Each officer's searches find contraband at a rate of their own around 30%; the figure
    # estimates the rate over officers, which the officers' spread makes less certain.
    truth = float(
        np.mean(
            1
            / (
                1
                + np.exp(
                    -(np.log(0.3 / 0.7) + 0.8 * np.random.default_rng(0).standard_normal(1_000_000))
                )
            )
        )
    )
    places = [DistrictInfo("D1", "One", {"black": 20_000, "white": 20_000}, None, None)]
    robust = wilson = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        officers, per_officer = 60, 40
        hit = 1 / (1 + np.exp(-(np.log(0.3 / 0.7) + rng.normal(0, 0.8, officers))))
        found = rng.random((officers, per_officer)) < hit[:, None]
        frame = pl.DataFrame(
            {
                "district": ["D1"] * found.size,
                "subject_race": ["white"] * found.size,
                "search_conducted": [True] * found.size,
                "contraband_found": found.ravel(),
                "officer_id": np.repeat([f"{100 + i}" for i in range(officers)], per_officer),
            }
        )
        white = overall(analysis.outcome_test(frame.lazy(), places), "white")
        assert white.hit_rate.method == Interval.NORMAL
        cell = analysis.outcome_test(frame.lazy(), places).by_district[0].groups[3]
        assert cell.hit_rate.method == Interval.CLUSTER_ROBUST
        robust += covers(cell.hit_rate, truth)
        anonymous = frame.with_columns(officer_id=pl.lit(None, dtype=pl.String))
        plain = analysis.outcome_test(anonymous.lazy(), places).by_district[0].groups[3]
        assert plain.hit_rate.method == Interval.WILSON
        wilson += covers(plain.hit_rate, truth)
    assert wilson < 32
    assert robust >= 34


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["D1", "D2", "ZZ", None]),
            st.sampled_from([*analysis.GROUPS, "unknown", None]),
            st.sampled_from([True, False, None]),
            st.sampled_from([True, False, None]),
            st.sampled_from(["101", "102", None]),
        ),
        min_size=1,
        max_size=300,
    )
)
def test_benchmark_and_outcome_test_account_for_every_record(rows):
    frame = pl.DataFrame(
        rows,
        schema={
            "district": pl.String,
            "subject_race": pl.String,
            "search_conducted": pl.Boolean,
            "contraband_found": pl.Boolean,
            "officer_id": pl.String,
        },
        orient="row",
    )
    places = districts(2)
    benchmark = analysis.benchmark_rates(frame.lazy(), places, years=1)
    assert benchmark.records == len(rows)
    assert benchmark.used == sum(cell.stops for cell in benchmark.overall)
    assert benchmark.used + sum(n for _reason, n in benchmark.left_out) == len(rows)
    try:
        outcomes = analysis.outcome_test(frame.lazy(), places)
    except NotEnoughData:
        return
    left_out = dict(outcomes.left_out)
    assert outcomes.records == len(rows)
    assert outcomes.used + sum(
        left_out.get(reason, 0)
        for reason in (LeftOut.OUTSIDE_DISTRICTS, LeftOut.UNKNOWN_RACE, LeftOut.NO_SEARCH_RECORD)
    ) == len(rows)
    searched = [r for r in rows if r[0] in ("D1", "D2") and r[1] in analysis.GROUPS and r[2]]
    assert left_out.get(LeftOut.NO_SEARCH_RESULT, 0) == sum(r[3] is None for r in searched)


# Row order ---------------------------------------------------------------------------------

SAMPLE = stops(30_000, seed=11, stop_rates={"black": 1.5}, darkness_effect=-0.2)


def run_all(frame: pl.DataFrame):
    return (
        analysis.benchmark_rates(frame.lazy(), districts(), years=YEARS),
        analysis.veil_of_darkness(frame.lazy(), districts(), time_zone=ZONE),
        analysis.outcome_test(frame.lazy(), districts()),
    )


EXPECTED = run_all(SAMPLE)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), pieces=st.integers(1, 4))
def test_results_do_not_depend_on_row_order(seed, pieces):
    shuffled = SAMPLE.sample(fraction=1.0, shuffle=True, seed=seed)
    # Also as several files would arrive: pieces concatenated lazily.
    size = math.ceil(len(shuffled) / pieces)
    parts = [shuffled.slice(i * size, size) for i in range(pieces)]
    frame = pl.concat(parts)
    benchmark, vod, outcomes = run_all(frame)
    assert benchmark == EXPECTED[0]
    assert outcomes == EXPECTED[2]
    assert vod.stops == EXPECTED[1].stops
    assert vod.by_district == EXPECTED[1].by_district
    assert vod.coefficient == pytest.approx(EXPECTED[1].coefficient, rel=1e-12)
    assert vod.standard_error == pytest.approx(EXPECTED[1].standard_error, rel=1e-12)
