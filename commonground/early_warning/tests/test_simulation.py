"""The estimate of false alerts a year, checked against cases worked out by hand and against the
detector's own code run day by day."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonground.early_warning.detectors import peer_comparison, peer_groups
from commonground.early_warning.simulation import (
    NullAgency,
    _fisher_lower_bound,
    alerts_raised,
    false_alerts_per_year,
    flags_of_runs,
    simulate_windows,
)


def threshold_agency(n, rate, window_days, min_events=1):
    return NullAgency(
        group_index=np.zeros(n, dtype=int),
        exposure=np.full(n, float(window_days)),  # days on assignment: every day of the window
        rate=np.full(n, rate),
        window_days=window_days,
        min_events=min_events,
        peer=False,
    )


def test_one_day_windows_agree_with_the_binomial_expectation():
    """A one-day window never suppresses anything: each officer's alerts in a year are
    Binomial(365, 1 - exp(-rate)), so 50 officers give 365 x 50 x (1 - exp(-rate)) a year."""
    n, rate = 50, 0.01
    by_hand = 365 * n * (1 - math.exp(-rate))  # 181.6
    estimate = false_alerts_per_year(threshold_agency(n, rate, 1), years=20, seed=3)
    assert estimate.low <= by_hand <= estimate.high
    assert estimate.per_year == pytest.approx(by_hand, rel=0.05)


def test_overlapping_windows_and_suppression_agree_with_the_renewal_by_hand():
    """One event in 30 days alerts; the officer is not alerted again within 30 days. After an
    alert the next comes 30 days later if the window holds an event (probability
    1 - exp(-30 rate)), otherwise on the next day with one: T = 30 + exp(-30 rate) / (1 -
    exp(-rate)) days apart on average, so 365 / T alerts a year per officer. Counting every
    run whose window holds an event instead (no suppression) would give 165 a year each."""
    n, rate, window = 50, 0.02, 30
    gap = window + math.exp(-window * rate) / (1 - math.exp(-rate))
    by_hand = n * 365 / gap  # about 316
    estimate = false_alerts_per_year(threshold_agency(n, rate, window), years=20, seed=4)
    assert estimate.low <= by_hand <= estimate.high
    assert estimate.per_year == pytest.approx(by_hand, rel=0.05)
    naive = n * 365 * (1 - math.exp(-window * rate))
    assert estimate.per_year < naive / 20


def test_window_sums_are_the_days_events_summed_over_each_runs_window():
    agency = threshold_agency(3, 0.5, 4)
    counts, exposure = simulate_windows(agency, 10, np.random.default_rng(0))
    assert counts.shape == exposure.shape == (10, 3)
    assert (exposure == 4).all()
    # The same generator draws the same days: windows of 4 over 13 days.
    days = np.random.default_rng(0).poisson(np.full((13, 3), 0.5))
    assert (counts == np.array([days[d : d + 4].sum(axis=0) for d in range(10)])).all()


@pytest.mark.parametrize("binomial", [False, True])
def test_the_simulation_flags_what_the_detector_itself_flags_each_day(binomial):
    """On the same simulated windows, the detector's own function run day by day with the
    suppression written out again gives the same alerts as the fast path."""
    n = 36
    rng = np.random.default_rng(7)
    agency = NullAgency(
        group_index=np.arange(n) // 12,
        exposure=rng.integers(20, 120, n).astype(float),
        rate=np.full(n, 0.3 if binomial else 0.08),
        window_days=15,
        min_events=2,
        peer=True,
        binomial=binomial,
        false_discovery_rate=0.3,
        min_peers=5,
    )
    counts, exposure = simulate_windows(agency, 120, np.random.default_rng(11))
    fast = flags_of_runs(agency, counts, exposure)

    groups = {officer: int(agency.group_index[officer]) for officer in range(n)}
    last_alert: dict[int, int] = {}
    alerts = 0
    for run in range(120):
        flags, _compared = peer_comparison(
            groups,
            {o: int(counts[run, o]) for o in range(n)},
            {o: float(exposure[run, o]) for o in range(n)},
            binomial=binomial,
            false_discovery_rate=0.3,
            min_peers=5,
            min_events=2,
        )
        assert {f.officer_id for f in flags} == set(np.flatnonzero(fast[run]).tolist())
        for flag in flags:
            if run - last_alert.get(flag.officer_id, -1000) >= agency.window_days:
                last_alert[flag.officer_id] = run
                alerts += 1
    assert fast.sum() > alerts > 0  # flags on many days; the suppression took some away
    assert alerts_raised(fast, agency.window_days) == alerts


def test_the_estimate_is_the_same_for_the_same_seed_and_narrows_with_more_years():
    agency = threshold_agency(20, 0.01, 60, min_events=2)
    once = false_alerts_per_year(agency, years=5, seed=1)
    assert false_alerts_per_year(agency, years=5, seed=1) == once
    longer = false_alerts_per_year(agency, years=20, seed=1)
    assert longer.high - longer.low < once.high - once.low


def test_running_the_days_in_blocks_changes_nothing(monkeypatch):
    agency = NullAgency(
        group_index=np.arange(30) // 10,
        exposure=np.full(30, 90.0),
        rate=np.full(30, 0.02),
        window_days=90,
        min_events=2,
        peer=True,
        false_discovery_rate=0.4,
    )
    whole = false_alerts_per_year(agency, years=3, seed=5)
    monkeypatch.setattr("commonground.early_warning.simulation._BLOCK", 7)
    assert false_alerts_per_year(agency, years=3, seed=5) == whole
    assert whole.per_year > 0


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    binomial=st.booleans(),
    fdr=st.sampled_from([0.01, 0.05, 0.2, 0.6]),
    min_events=st.integers(1, 4),
    per_group=st.integers(2, 9),
)
def test_the_fast_path_skips_only_p_values_that_cannot_change_a_flag(
    seed, binomial, fdr, min_events, per_group
):
    """Whatever the agency, the simulation's shortcuts (Fisher's p-value computed only where it
    may be small, runs with no possible flag skipped) flag exactly whom the detector flags."""
    rng = np.random.default_rng(seed)
    n = 3 * per_group
    agency = NullAgency(
        group_index=np.arange(n) // per_group,
        exposure=rng.integers(0, 80, n).astype(float),
        rate=np.full(n, rng.uniform(0.05, 0.6) if binomial else rng.uniform(0.01, 0.2)),
        window_days=int(rng.integers(1, 20)),
        min_events=min_events,
        peer=True,
        binomial=binomial,
        false_discovery_rate=fdr,
        min_peers=int(rng.integers(1, per_group)),
    )
    counts, exposure = simulate_windows(agency, 25, rng)
    fast = flags_of_runs(agency, counts, exposure)
    groups = {officer: int(agency.group_index[officer]) for officer in range(n)}
    for run in range(25):
        flags, _compared = peer_comparison(
            groups,
            {o: int(counts[run, o]) for o in range(n)},
            {o: float(exposure[run, o]) for o in range(n)},
            binomial=binomial,
            false_discovery_rate=fdr,
            min_peers=agency.min_peers,
            min_events=min_events,
        )
        assert {f.officer_id for f in flags} == set(np.flatnonzero(fast[run]).tolist())


def test_fishers_p_value_near_the_rate_is_computed_when_many_are_rejected():
    """Ten pairs of officers with ten stops each; in every pair one searched six times and the
    other never: p = C(10,6) / C(20,6) = 210 / 38760 for each searcher, and at a false
    discovery rate of 0.012 Benjamini-Hochberg rejects all ten (0.0054 <= 10 x 0.012 / 20).
    The shortcut must not skip a p-value that is more than a fraction of the rate."""
    agency = NullAgency(
        group_index=np.arange(20) // 2,
        exposure=np.full(20, 10.0),
        rate=np.full(20, 0.3),
        window_days=1,
        min_events=1,
        peer=True,
        binomial=True,
        false_discovery_rate=0.012,
        min_peers=1,
    )
    counts = np.array([[6.0, 0.0] * 10])
    flags, _compared = peer_comparison(
        {o: o // 2 for o in range(20)},
        {o: int(counts[0, o]) for o in range(20)},
        dict.fromkeys(range(20), 10.0),
        binomial=True,
        false_discovery_rate=0.012,
        min_peers=1,
        min_events=1,
    )
    assert {f.officer_id for f in flags} == set(range(0, 20, 2))
    assert flags[0].p_value == pytest.approx(210 / 38760)
    fast = flags_of_runs(agency, counts, np.full((1, 20), 10.0))
    assert set(np.flatnonzero(fast[0]).tolist()) == set(range(0, 20, 2))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_the_cheap_bound_never_exceeds_fishers_p_value(seed):
    rng = np.random.default_rng(seed)
    exposure = rng.integers(0, 60, (5, 12)).astype(float)
    counts = rng.binomial(exposure.astype(int), rng.uniform(0.01, 0.99)).astype(float)
    groups = peer_groups(np.arange(12) // 4, counts, exposure, min_peers=1)
    exact = groups.p_values(binomial=True)[groups.tested]
    bound = _fisher_lower_bound(groups)[groups.tested]
    assert (bound <= exact * (1 + 1e-9)).all()
    assert (bound >= 0).all()
