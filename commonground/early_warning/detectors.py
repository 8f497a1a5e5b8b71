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
    exposure_of = {
        officer: (1.0 if exposures is None else float(exposures.get(officer, 0)))
        for officer in groups
    }
    members: dict[Hashable, list[int]] = {}
    for officer, group in groups.items():
        if exposure_of[officer] > 0:
            members.setdefault(group, []).append(officer)

    tested = []
    for officers in members.values():
        if len(officers) - 1 < min_peers:
            continue
        group_events = sum(counts.get(o, 0) for o in officers)
        group_exposure = sum(exposure_of[o] for o in officers)
        for officer in officers:
            observed = counts.get(officer, 0)
            exposure = exposure_of[officer]
            peer_events = group_events - observed
            peer_exposure = group_exposure - exposure
            expected = exposure * peer_events / peer_exposure
            if binomial:
                # Fisher's exact test: of all the group's trials, the officer's share of the
                # events, given how many there were.
                p_value = stats.hypergeom.sf(
                    observed - 1, round(group_exposure), group_events, round(exposure)
                )
            else:
                # The exact conditional test of two Poisson rates: given the group's events,
                # the officer's are binomial with the officer's share of the exposure.
                p_value = stats.binom.sf(observed - 1, group_events, exposure / group_exposure)
            tested.append(
                Flag(
                    officer_id=officer,
                    observed=observed,
                    exposure=None if exposures is None else exposure,
                    expected=expected,
                    p_value=min(1.0, float(p_value)),
                    peers=len(officers) - 1,
                )
            )
    if not tested:
        return [], 0
    rejected, adjusted, _sidak, _bonferroni = multipletests(
        [flag.p_value for flag in tested], alpha=false_discovery_rate, method="fdr_bh"
    )
    flags = [
        Flag(**{**flag.__dict__, "q_value": float(q)})
        for flag, reject, q in zip(tested, rejected, adjusted, strict=True)
        if reject and flag.observed >= min_events and flag.observed > flag.expected
    ]
    return sorted(flags, key=lambda f: (f.q_value, f.officer_id)), len(tested)
