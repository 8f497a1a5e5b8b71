"""Synthetic stop records with known, planted effects, for tests, the demo data and the
benchmark: an estimator is right when it finds what was planted, and finds nothing when nothing
was planted.

The records have exactly `STORED_STOP_SCHEMA` and look like an agency's export (evening-heavy
clock times, ages, outcomes, search bases, officers, block addresses), but the rates behind them
are parameters:

- who is stopped: each stop falls in district d on a person of group g with probability
  proportional to population[d][g] * stop_rates[g], so the planted per-resident rates are
  `stop_rates` up to one common factor, and their ratios exactly; `district_rates` multiplies
  every group's rate in a district (where police are deployed more), so within each district the
  groups' ratios stay those of `stop_rates` while the city-wide sums need not;
- the veil of darkness: among stops of `minority` and `majority` people after civil dusk, the
  log-odds that the person is of the minority group is shifted by `darkness_effect` from its
  daylight value in the same district (0 plants no effect; negative, fewer minority stops after
  dark). Clock time has no other effect on race, so the analysis's model holds exactly and its
  darkness coefficient estimates `darkness_effect`; the per-resident rates above are then the
  daylight ones;
- searches and contraband: each stop of group g is searched with probability search_rates[g]
  and each search finds contraband with probability hit_rates[g], in every district.

Generation is vectorised with numpy: ten million rows take a few seconds.
"""

import datetime
import math
from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl
from scipy.special import expit, logit

from commonground.stops.analysis import GROUPS, DistrictInfo, sun_times
from commonground.stops.schema import (
    OUTCOMES,
    RACES,
    SEARCH_BASES,
    SEXES,
    STOP_TYPES,
    STORED_STOP_SCHEMA,
    Outcome,
    Race,
    SearchBasis,
    Sex,
    StopType,
)

# Share of stops that begin in each hour of the day: few before dawn, more through the day, most
# in the evening (the shape of most agencies' traffic stops).
HOURLY_PROFILE = np.array(
    [
        3,
        2,
        1.5,
        1,
        0.8,
        1,
        2,
        3.5,
        4.5,
        4.5,
        4.5,
        4.5,
        4.5,
        4.5,
        5,
        5.5,
        6,
        6.5,
        7,
        7,
        7,
        6.5,
        5.5,
        4,
    ]
)
VEHICLE_REASONS = [
    "speeding",
    "moving violation",
    "equipment violation",
    "registration",
    "seat belt",
    "investigative stop",
]
PEDESTRIAN_REASONS = ["suspicious person", "call for service", "trespassing", "investigative stop"]
STREETS = [
    "Main St",
    "Oak Ave",
    "Maple Ave",
    "Washington Blvd",
    "Lincoln Ave",
    "Park Rd",
    "Cedar St",
    "Lake Shore Dr",
    "Elm St",
    "Jefferson St",
    "Pine St",
    "Martin Luther King Jr Blvd",
]
ADDRESSES_PER_DISTRICT = 60
# Outcome shares (in OUTCOMES order, then no action recorded) when a search found contraband,
# and for every other stop.
OUTCOME_AFTER_HIT = [0.55, 0.1, 0.25, 0.05, 0.05]
OUTCOME_OTHERWISE = [0.02, 0.03, 0.5, 0.3, 0.15]
SEARCH_BASIS_SHARES = [0.05, 0.1, 0.3, 0.45, 0.1]  # in SEARCH_BASES order
SEX_SHARES = [0.31, 0.68, 0.002, 0.008]  # in SEXES order


def _pick(rng: np.random.Generator, shares: Sequence[float], size: int) -> np.ndarray:
    """Indexes drawn with the given (unnormalised) shares."""
    cumulative = np.cumsum(shares, dtype=float)
    return np.searchsorted(cumulative / cumulative[-1], rng.random(size), side="right")


def _sorted_moments(rng: np.random.Generator, n: int, n_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Day (from 0) and second of the day of `n` stops, uniform over days and following
    HOURLY_PROFILE within each, already in order: sorted uniforms (normalised sums of
    exponential gaps) through the inverse of the piecewise-uniform distribution over the span's
    hours, which is much faster than drawing and sorting."""
    gaps = rng.standard_exponential(n + 1)
    uniform = np.cumsum(gaps)[:-1] / gaps.sum()
    hour_weights = np.tile(HOURLY_PROFILE / HOURLY_PROFILE.sum() / n_days, n_days)
    upper = np.cumsum(hour_weights)
    hour = np.searchsorted(upper, uniform, side="right").clip(max=len(upper) - 1)
    within = (uniform - (upper[hour] - hour_weights[hour])) / hour_weights[hour]
    second_of_hour = np.clip(within * 3600, 0, 3599).astype(np.int32)
    day, hour_of_day = np.divmod(hour.astype(np.int32), 24)
    return day, hour_of_day * 3600 + second_of_hour


def _labels(
    values: Sequence[str | None], index: np.ndarray, dtype: pl.DataType = pl.String
) -> pl.Series:
    return pl.Series(values, dtype=dtype).gather(index)


def generate_stops(
    n: int,
    *,
    seed: int,
    districts: Sequence[DistrictInfo],
    time_zone: str,
    start: datetime.date,
    end: datetime.date,
    stop_rates: Mapping[str, float] | None = None,
    district_rates: Mapping[str, float] | None = None,
    darkness_effect: float = 0.0,
    minority: str = "black",
    majority: str = "white",
    search_rates: Mapping[str, float] | None = None,
    hit_rates: Mapping[str, float] | None = None,
    unknown_race_share: float = 0.02,
    pedestrian_share: float = 0.15,
    officer_ids: Sequence[str] | None = None,
) -> pl.DataFrame:
    """`n` stops from `start` to `end` (inclusive) in `districts`, in date and time order, as
    batch 0 with records 1 to n. See the module docstring for the planted effects.

    `stop_rates`, `search_rates` and `hit_rates` are keyed by the groups of `GROUPS`; a group
    left out has a stop rate of 1 (stops in proportion to residents), a search rate of 4% and a
    hit rate of 30%. A share `unknown_race_share` of stops, drawn at random, has race "unknown".
    Officers come from `officer_ids` (or 400 made-up badge numbers), each working one district.
    """
    rng = np.random.default_rng(seed)
    stop_rates = {**dict.fromkeys(GROUPS, 1.0), **(stop_rates or {})}
    search_rates = {**dict.fromkeys(GROUPS, 0.04), **(search_rates or {})}
    hit_rates = {**dict.fromkeys(GROUPS, 0.3), **(hit_rates or {})}
    officers = list(officer_ids or [str(1000 + 7 * i) for i in range(400)])
    n_days = (end - start).days + 1
    n_districts = len(districts)

    day, second = _sorted_moments(rng, n, n_days)
    minute = second // 60

    # Who and where: one draw over district x group cells.
    weights = np.array(
        [
            [
                d.population_by_group.get(group, 0)
                * stop_rates[group]
                * (district_rates or {}).get(d.code, 1.0)
                for group in GROUPS
            ]
            for d in districts
        ],
        dtype=float,
    )
    if weights.sum() <= 0:
        raise ValueError("The districts have no residents to stop.")
    cell = _pick(rng, weights.ravel(), n)
    district, group = np.divmod(cell, len(GROUPS))

    # Darkness: redraw which of the two groups each pair stop after dusk is, from the daylight
    # odds in its district shifted by `darkness_effect`.
    dusk = np.full((n_districts, n_days), 24 * 60, dtype=np.int16)
    index_of = {d.code: i for i, d in enumerate(districts)}
    table = sun_times(districts, start, end, time_zone=time_zone)
    dusk[
        [index_of[code] for code in table["district"]],
        (table["date"] - start).dt.total_days().to_numpy(),
    ] = table["dusk_minute"].to_numpy()
    low, high = GROUPS.index(minority), GROUPS.index(majority)
    pair = (group == low) | (group == high)
    dark = pair & (minute > dusk[district, day])
    with np.errstate(divide="ignore", invalid="ignore"):
        daylight_log_odds = logit(weights[:, low] / (weights[:, low] + weights[:, high]))
    p_minority = expit(daylight_log_odds[district[dark]] + darkness_effect)
    group[dark] = np.where(rng.random(int(dark.sum())) < p_minority, low, high)

    race = np.array([RACES.index(g) for g in GROUPS])[group]
    race[rng.random(n) < unknown_race_share] = RACES.index("unknown")

    searched = rng.random(n) < np.array([search_rates[g] for g in GROUPS])[group]
    found = searched & (rng.random(n) < np.array([hit_rates[g] for g in GROUPS])[group])
    pedestrian = rng.random(n) < pedestrian_share
    outcome = _pick(rng, OUTCOME_OTHERWISE, n)
    outcome[found] = _pick(rng, OUTCOME_AFTER_HIT, int(found.sum()))
    basis = np.full(n, len(SEARCH_BASES))
    basis[searched] = _pick(rng, SEARCH_BASIS_SHARES, int(searched.sum()))
    frisked = rng.random(n) < np.where(searched, 0.5, np.where(pedestrian, 0.12, 0.02))
    reason = np.where(
        pedestrian,
        len(VEHICLE_REASONS) + rng.integers(0, len(PEDESTRIAN_REASONS), n),
        rng.integers(0, len(VEHICLE_REASONS), n),
    )
    per_district = max(1, len(officers) // n_districts)
    officer = (district + n_districts * rng.integers(0, per_district, n)) % len(officers)
    addresses = [
        f"{100 * (1 + (7 * i + 13 * j) % 90)} block of {STREETS[(i + j) % len(STREETS)]}"
        for i in range(n_districts)
        for j in range(ADDRESSES_PER_DISTRICT)
    ]
    address = district * ADDRESSES_PER_DISTRICT + rng.integers(0, ADDRESSES_PER_DISTRICT, n)

    latitudes = np.array([math.nan if d.latitude is None else d.latitude for d in districts])
    longitudes = np.array([math.nan if d.longitude is None else d.longitude for d in districts])
    frame = pl.DataFrame(
        {
            "date": np.datetime64(start, "D") + day.astype("timedelta64[D]"),
            "time": pl.Series(second.astype(np.int64) * 1_000_000_000).cast(pl.Time),
            "location": _labels(addresses, address),
            "lat": latitudes[district] + rng.normal(0, 0.008, n),
            "lng": longitudes[district] + rng.normal(0, 0.008, n),
            "district": _labels([d.code for d in districts], district),
            "subject_age": np.clip(rng.gamma(6, 6, n) + 14, 16, 90).astype(np.int16),
            "subject_race": _labels(RACES, race, Race),
            "subject_sex": _labels(SEXES, _pick(rng, SEX_SHARES, n), Sex),
            "officer_id": _labels(officers, officer),
            "type": _labels(STOP_TYPES, pedestrian.astype(np.int8), StopType),
            "reason_for_stop": _labels(VEHICLE_REASONS + PEDESTRIAN_REASONS, reason),
            "outcome": _labels([*OUTCOMES, None], outcome, Outcome),
            "search_conducted": searched,
            "search_basis": _labels([*SEARCH_BASES, None], basis, SearchBasis),
            "frisk_performed": frisked,
            "contraband_found": pl.Series(found).set(pl.Series(~searched), None),
            "batch": pl.Series(np.zeros(n, dtype=np.int32)),
            "record": pl.Series(np.arange(1, n + 1, dtype=np.int32)),
        }
    )
    return frame.with_columns(pl.col("lat", "lng").fill_nan(None)).cast(STORED_STOP_SCHEMA)
