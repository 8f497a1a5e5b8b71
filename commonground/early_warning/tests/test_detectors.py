"""The detectors as functions of counts: thresholds, and peer comparisons that find planted
outliers, allow for exposure, and keep false alarms in check across a large agency."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonground.early_warning.detectors import peer_comparison, threshold


def agency(rng, *, units=40, per_unit=10, rate=0.02, planted=(), factor=5.0, exposure=None):
    """Officers 0..n-1 in `units` units; counts are Poisson(rate x exposure), times `factor`
    for the planted officers. Exposure is days on duty (about 120 in six months) by default."""
    n = units * per_unit
    groups = {officer: (officer // per_unit, "officer") for officer in range(n)}
    days = exposure if exposure is not None else rng.integers(60, 180, n)
    expected = rate * days * np.where(np.isin(np.arange(n), planted), factor, 1.0)
    counts = dict(enumerate(rng.poisson(expected).tolist()))
    return groups, counts, dict(enumerate(np.asarray(days, dtype=float).tolist()))


def test_threshold_flags_officers_at_or_over_the_count():
    flags = threshold({1: 2, 2: 3, 3: 7}, min_events=3)
    assert [(f.officer_id, f.observed) for f in flags] == [(2, 3), (3, 7)]


def test_peer_comparison_finds_planted_outliers():
    rng = np.random.default_rng(1)
    planted = [3, 57, 211, 390]
    groups, counts, days = agency(rng, planted=planted, factor=6.0)
    flags, tested = peer_comparison(
        groups, counts, days, binomial=False, false_discovery_rate=0.05, min_peers=5, min_events=3
    )
    assert tested == 400
    flagged = {f.officer_id for f in flags}
    # Six times the rate over a few months is not always visible (one planted officer may have
    # worked few days), and at a 5% false discovery rate a chance flag may come along.
    assert len(flagged & set(planted)) >= 3
    assert len(flagged - set(planted)) <= 1
    top = next(f for f in flags if f.officer_id == planted[0])
    assert top.observed > top.expected and top.q_value <= 0.05 and top.peers == 9


def test_false_discovery_rate_keeps_a_large_agency_from_drowning_in_flags():
    """With nobody planted, testing 400 officers at 5% each flags about 7 of them every run (the
    exact tests are conservative on such small counts); Benjamini-Hochberg at 5% flags nobody in
    about 95 runs out of 100."""
    runs_with_any_flag = 0
    uncorrected = []
    for seed in range(60):
        rng = np.random.default_rng(seed)
        groups, counts, days = agency(rng, rate=0.05)
        flags, _tested = peer_comparison(
            groups,
            counts,
            days,
            binomial=False,
            false_discovery_rate=0.05,
            min_peers=5,
            min_events=1,
        )
        runs_with_any_flag += bool(flags)
        everyone, _ = peer_comparison(
            groups,
            counts,
            days,
            binomial=False,
            false_discovery_rate=0.999999,
            min_peers=5,
            min_events=1,
        )
        uncorrected.append(sum(f.p_value < 0.05 for f in everyone))
    assert runs_with_any_flag <= 6  # 3 of these 60 seeds; at most 3 expected
    assert np.mean(uncorrected) > 5


def test_exposure_keeps_busy_officers_from_being_flagged_for_being_busy():
    # Ten officers; one works three times the days of the others, with three times the events.
    groups = {officer: ("unit", "officer") for officer in range(10)}
    days = {officer: 60.0 for officer in range(10)} | {0: 180.0}
    counts = {officer: 3 for officer in range(10)} | {0: 9}
    by_exposure, _ = peer_comparison(
        groups, counts, days, binomial=False, false_discovery_rate=0.05, min_peers=5, min_events=3
    )
    by_count, _ = peer_comparison(
        groups, counts, None, binomial=False, false_discovery_rate=0.2, min_peers=5, min_events=3
    )
    assert by_exposure == []
    assert [f.officer_id for f in by_count] == [0]


def test_searches_are_compared_per_stop_with_a_binomial_test():
    groups = {officer: ("unit", "officer") for officer in range(12)}
    stops = {officer: 200.0 for officer in range(12)}
    searches = {officer: 8 for officer in range(12)} | {5: 40}
    flags, tested = peer_comparison(
        groups,
        searches,
        stops,
        binomial=True,
        false_discovery_rate=0.05,
        min_peers=5,
        min_events=3,
    )
    assert tested == 12
    assert [f.officer_id for f in flags] == [5]
    assert flags[0].expected == pytest.approx(200 * 8 / 200)


def test_officers_without_enough_peers_or_exposure_are_not_compared():
    groups = {0: ("small", "officer"), 1: ("small", "officer"), 2: ("big", "officer")} | {
        officer: ("big", "officer") for officer in range(3, 10)
    }
    days = dict.fromkeys(range(10), 100.0) | {9: 0.0}
    counts = {0: 30, 2: 1}
    flags, tested = peer_comparison(
        groups, counts, days, binomial=False, false_discovery_rate=0.05, min_peers=5, min_events=1
    )
    assert tested == 7  # the big unit without officer 9 (no exposure); the small one has 1 peer
    assert flags == []


def test_a_single_event_never_flags_below_the_minimum():
    groups = {officer: ("unit", "officer") for officer in range(50)}
    counts = {0: 2}
    flags, _ = peer_comparison(
        groups, counts, None, binomial=False, false_discovery_rate=0.5, min_peers=5, min_events=3
    )
    assert flags == []


@settings(max_examples=40, deadline=None)
@given(
    counts=st.lists(st.integers(0, 12), min_size=8, max_size=30),
    permutation_seed=st.integers(0, 2**32 - 1),
)
def test_flags_do_not_depend_on_the_order_officers_come_in(counts, permutation_seed):
    groups = {i: (i % 2, "officer") for i in range(len(counts))}
    as_given = dict(enumerate(counts))
    order = np.random.default_rng(permutation_seed).permutation(len(counts)).tolist()
    shuffled_groups = {i: groups[i] for i in order}
    shuffled_counts = {i: as_given[i] for i in order}
    options = dict(binomial=False, false_discovery_rate=0.1, min_peers=3, min_events=1)
    assert peer_comparison(groups, as_given, None, **options) == peer_comparison(
        shuffled_groups, shuffled_counts, None, **options
    )
