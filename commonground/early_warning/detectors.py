"""The two ways an officer's record is flagged, as plain functions of counts.

- A threshold flags every officer with at least `min_events` events.
- A peer comparison asks, for each officer, how surprising their count is given the other
  officers of the same unit and rank, allowing for the officer's own exposure (days on duty,
  stops, searches). The one-sided tests are exact and conditional on the group's total, so they
  stay valid when the peers' rate is itself estimated from few events: the officer's share of
  the group's events against their share of its exposure (binomial, the exact comparison of two
  Poisson rates), or Fisher's exact test when each event is one of the exposure's trials
  (searches among stops). The p-values of every officer compared are then adjusted together
  with Benjamini-Hochberg, so
  across the whole agency about `false_discovery_rate` of the alerts are expected to be chance,
  however many officers there are. Without it, testing 1,000 officers at 5% flags about 50
  officers who are merely unlucky, every run.
"""

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats
from statsmodels.stats.multitest import multipletests


@dataclass(frozen=True)
class Flag:
    officer_id: int
    observed: int
    exposure: float | None = None
    expected: float | None = None
    p_value: float | None = None
    q_value: float | None = None
    peers: int | None = None


def threshold(counts: Mapping[int, int], *, min_events: int) -> list[Flag]:
    return [
        Flag(officer_id, count)
        for officer_id, count in sorted(counts.items())
        if count >= min_events
    ]


@dataclass(frozen=True)
class PeerGroups:
    """Each officer's comparison with their peers, for one run or many at once (arrays of
    runs x officers): whether they were compared, their peers' events and exposure, and what
    their peers' rate predicts for them."""

    tested: np.ndarray
    counts: np.ndarray
    exposure: np.ndarray
    group_events: np.ndarray
    group_exposure: np.ndarray
    expected: np.ndarray
    peers: np.ndarray

    def p_values(self, where=None, *, binomial: bool) -> np.ndarray:
        """The one-sided p-values, of every officer or only `where` (any numpy index)."""
        pick = (lambda a: a) if where is None else (lambda a: a[where])
        counts, exposure = pick(self.counts), pick(self.exposure)
        group_events, group_exposure = pick(self.group_events), pick(self.group_exposure)
        with np.errstate(divide="ignore", invalid="ignore"):
            if binomial:
                # Fisher's exact test: of all the group's trials, the officer's share of the
                # events, given how many there were.
                p_value = stats.hypergeom.sf(
                    counts - 1, np.round(group_exposure), group_events, np.round(exposure)
                )
            else:
                # The exact conditional test of two Poisson rates: given the group's events,
                # the officer's are binomial with the officer's share of the exposure.
                p_value = stats.binom.sf(counts - 1, group_events, exposure / group_exposure)
        return np.minimum(1.0, p_value)


def peer_groups(
    group_index: np.ndarray, counts: np.ndarray, exposure: np.ndarray, *, min_peers: int
) -> PeerGroups:
    """`group_index` gives each officer's peer group as 0..k-1; `counts` and `exposure` are
    (runs x officers). Officers with no exposure are neither compared nor counted as anyone's
    peer; an officer is compared with at least `min_peers` peers."""
    counts = np.asarray(counts, dtype=float)
    exposure = np.asarray(exposure, dtype=float)
    one_hot = np.zeros((group_index.size, int(group_index.max()) + 1))
    one_hot[np.arange(group_index.size), group_index] = 1.0
    present = exposure > 0
    size = (present @ one_hot)[:, group_index]
    group_events = (np.where(present, counts, 0.0) @ one_hot)[:, group_index]
    group_exposure = (np.where(present, exposure, 0.0) @ one_hot)[:, group_index]
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = exposure * (group_events - counts) / (group_exposure - exposure)
    return PeerGroups(
        tested=present & (size - 1 >= min_peers),
        counts=counts,
        exposure=exposure,
        group_events=group_events,
        group_exposure=group_exposure,
        expected=expected,
        peers=size - 1,
    )


def adjusted(p_values: np.ndarray, false_discovery_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg over the officers compared in one run: (rejected, q)."""
    rejected, q_values, _sidak, _bonferroni = multipletests(
        p_values, alpha=false_discovery_rate, method="fdr_bh"
    )
    return rejected, q_values


def peer_comparison(
    groups: Mapping[int, Hashable],
    counts: Mapping[int, int],
    exposures: Mapping[int, float] | None,
    *,
    binomial: bool,
    false_discovery_rate: float,
    min_peers: int,
    min_events: int,
) -> tuple[list[Flag], int]:
    """Officers (officer id -> peer group) flagged, and how many officers were compared.

    `exposures` None compares plain counts (each officer's exposure is 1). Officers with no
    exposure are neither compared nor counted as anyone's peer."""
    officers = list(groups)
    if not officers:
        return [], 0
    labels: dict[Hashable, int] = {}
    group_index = np.array([labels.setdefault(groups[o], len(labels)) for o in officers])
    observed = np.array([[counts.get(o, 0) for o in officers]], dtype=float)
    exposure = np.array(
        [[1.0 if exposures is None else float(exposures.get(o, 0)) for o in officers]]
    )
    compared_with = peer_groups(group_index, observed, exposure, min_peers=min_peers)
    p_values = compared_with.p_values(binomial=binomial)[0]
    expected, peers = compared_with.expected[0], compared_with.peers[0]
    compared = np.flatnonzero(compared_with.tested[0])
    if not compared.size:
        return [], 0
    rejected, q_values = adjusted(p_values[compared], false_discovery_rate)
    flags = [
        Flag(
            officer_id=officers[i],
            observed=int(observed[0, i]),
            exposure=None if exposures is None else float(exposure[0, i]),
            expected=float(expected[i]),
            p_value=float(p_values[i]),
            q_value=float(q),
            peers=int(peers[i]),
        )
        for i, reject, q in zip(compared, rejected, q_values, strict=True)
        if reject and observed[0, i] >= min_events and observed[0, i] > expected[i]
    ]
    return sorted(flags, key=lambda f: (f.q_value, f.officer_id)), int(compared.size)
