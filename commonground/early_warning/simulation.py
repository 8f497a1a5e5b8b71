"""How many alerts a detector raises a year from chance alone, by simulation.

Detectors run every day over a window of many days, so the windows of successive runs overlap
and a test at 5% (or a false discovery rate of 5%) says little about how many false alerts a
year it gives: an unlucky officer stays unlucky for as long as the events stay in the window,
and the rule that an officer is not alerted twice by a detector within its window removes some
of the repeats. So we simulate the null itself: every officer has their peer group's rate given
their exposure (for a threshold, the agency's rate per day on assignment), events fall day by
day as Poisson counts (or, for searches among stops, as binomial draws among each day's stops),
and the detector's own code runs on each day's window with the same suppression. The average
over simulated years, with a seeded generator, is the estimate; its 95% range is the average's.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from commonground.early_warning.detectors import PeerGroups, adjusted, peer_groups

YEAR = 365
_BLOCK = 512


@dataclass(frozen=True)
class NullAgency:
    """What the simulation needs of an agency and a detector, as arrays over officers."""

    group_index: np.ndarray  # each officer's peer group, 0..k-1 (one group for a threshold)
    exposure: np.ndarray  # per window: days on assignment, stops or searches (1 for counts)
    rate: np.ndarray  # each officer's expected events per unit of exposure under the null
    window_days: int
    min_events: int
    peer: bool  # a peer comparison (else a threshold)
    binomial: bool = False  # events are trials of the exposure (searches among stops)
    false_discovery_rate: float = 0.05
    min_peers: int = 5


@dataclass(frozen=True)
class Estimate:
    per_year: float
    low: float
    high: float
    years: int


def simulate_windows(
    agency: NullAgency, days: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The counts and exposures of `days` daily runs' windows, (days x officers): the events of
    `window_days - 1 + days` days, summed over each run's window (the windows overlap)."""
    span = agency.window_days - 1 + days
    per_day = np.broadcast_to(agency.exposure / agency.window_days, (span, agency.exposure.size))
    if agency.binomial:
        trials = rng.poisson(per_day)
        events = rng.binomial(trials, np.clip(agency.rate, 0.0, 1.0))
        daily_exposure = trials
    else:
        events = rng.poisson(per_day * agency.rate)
        daily_exposure = None

    def windows(daily):
        total = np.cumsum(np.vstack([np.zeros((1, daily.shape[1])), daily]), axis=0)
        return total[agency.window_days :] - total[: span + 1 - agency.window_days]

    exposure = (
        windows(daily_exposure)
        if daily_exposure is not None
        else np.broadcast_to(agency.exposure, (days, agency.exposure.size))
    )
    return windows(events), exposure


def _fisher_lower_bound(groups: PeerGroups) -> np.ndarray:
    """A cheap lower bound of Fisher's one-sided p-value (the first terms of its tail, from the
    hypergeometric probabilities in logs), to skip the exact value when it cannot be small."""
    x = groups.counts
    total = np.round(groups.group_exposure)
    events = groups.group_events
    drawn = np.round(groups.exposure)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        term = np.exp(
            _log_choose(events, x)
            + _log_choose(total - events, drawn - x)
            - _log_choose(total, drawn)
        )
        term = np.where(np.isfinite(term), term, 0.0)
        tail = term.copy()
        k = x.copy()
        for _ in range(_TAIL_TERMS):
            term = term * (events - k) * (drawn - k) / ((k + 1) * (total - events - drawn + k + 1))
            term = np.where(np.isfinite(term) & (term > 0), term, 0.0)
            k = k + 1
            tail += term
    return np.where(x <= 0, 1.0, tail)


_TAIL_TERMS = 12


def _log_choose(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    return np.where(
        (k < 0) | (k > n), -np.inf, gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)
    )


def flags_of_runs(agency: NullAgency, counts: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """Which officers the detector flags on each run, (runs x officers), with the detector's own
    tests (detectors.peer_groups, its p-values and Benjamini-Hochberg over the officers compared
    each run). Benjamini-Hochberg at a rate q rejects only p-values <= q, and which of them it
    rejects does not depend on the exact value of any p-value above q; so Fisher's exact
    p-value, which is costly, is computed only for officers whose p-value may be <= q (a lower
    bound says which) and only on runs where someone could be flagged."""
    if not agency.peer:
        return counts >= agency.min_events
    groups = peer_groups(agency.group_index, counts, exposure, min_peers=agency.min_peers)
    candidates = groups.tested & (counts >= agency.min_events) & (counts > groups.expected)
    fdr = agency.false_discovery_rate
    flagged = np.zeros(counts.shape, dtype=bool)
    if agency.binomial:
        may_be_small = groups.tested & (_fisher_lower_bound(groups) <= fdr * (1 + 1e-9))
        p_values = np.ones(counts.shape)
        p_values[may_be_small] = groups.p_values(may_be_small, binomial=True)
    else:
        p_values = groups.p_values(binomial=False)
    for run in np.flatnonzero((candidates & (p_values <= fdr)).any(axis=1)):
        tested = np.flatnonzero(groups.tested[run])
        row = p_values[run, tested]
        rejected, _q = adjusted(row, fdr)
        flagged[run, tested[rejected]] = True
    return flagged & candidates


def alerts_raised(flags: np.ndarray, window_days: int, counted_from: int = 0) -> int:
    """Alerts from daily flags, not raising one for an officer alerted within the window (as
    actions.run_detectors does), counting those raised on runs from `counted_from` on."""
    last = np.full(flags.shape[1], -(10**9))
    raised = 0
    for run, flagged in enumerate(flags):
        new = flagged & (run - last >= window_days)
        last[new] = run
        if run >= counted_from:
            raised += int(new.sum())
    return raised


def false_alerts_per_year(agency: NullAgency, *, years: int = 20, seed: int = 0) -> Estimate:
    """Alerts a year under the null, averaged over `years` simulated years of daily runs; each
    year follows a window of runs so the suppression starts as it would in steady use."""
    rng = np.random.default_rng(seed)
    per_year = []
    for _ in range(years):
        runs = agency.window_days + YEAR
        counts, exposure = simulate_windows(agency, runs, rng)
        # A block of runs at a time keeps the (runs x officers) arrays of the tests small.
        flags = np.vstack(
            [
                flags_of_runs(
                    agency, counts[first : first + _BLOCK], exposure[first : first + _BLOCK]
                )
                for first in range(0, runs, _BLOCK)
            ]
        )
        per_year.append(alerts_raised(flags, agency.window_days, counted_from=agency.window_days))
    mean = float(np.mean(per_year))
    margin = 1.96 * float(np.std(per_year, ddof=1)) / math.sqrt(years) if years > 1 else 0.0
    return Estimate(per_year=mean, low=max(0.0, mean - margin), high=mean + margin, years=years)
