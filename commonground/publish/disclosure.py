"""Small-count suppression with complementary suppression, for every published count.

A published table is a grid of counts with its margins (row totals, column totals, the grand
total). Tables cut from the same records share margins: "complaints by month and category" and
"complaints by month and channel" both publish the month totals. All of them are one system of
cells tied by sums, and suppression works on the whole system at once, so a cell hidden in one
table cannot be recovered from another.

1. Primary suppression: every count from 1 to the threshold is hidden. Zeros are shown.
2. Complementary suppression: every sum with exactly one hidden term gets a second hidden term
   (the smallest non-zero count beside it), or the hidden one could be worked out by subtraction.
3. Audit: for each hidden cell, a linear programme finds the smallest and largest value it could
   take, given everything shown and that hidden counts are at least 1. A cell whose range is a
   single value can be worked out by a more patient reader (a chain of sums across rows and
   columns); one more cell beside it is hidden and the audit runs again.

The sums between margins and cells of a two-way table form a network matrix, so the programme's
bounds are whole numbers and a range wider than one value really does hold several counts.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import product

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import lil_matrix

# A cell is named by its (dimension, value) pairs, sorted; () is the grand total.
Key = tuple[tuple[str, str], ...]

DEFAULT_THRESHOLD = 10


@dataclass(frozen=True)
class Sum:
    """One published identity: the count at `total` is the sum of the counts at `parts`."""

    total: Key
    parts: tuple[Key, ...]


@dataclass(frozen=True)
class System:
    """Every published count from one set of records, and the sums that tie them together."""

    counts: Mapping[Key, int]
    sums: tuple[Sum, ...]


def key(**values: str) -> Key:
    return tuple(sorted((dimension, str(value)) for dimension, value in values.items()))


def tabulate(
    rows: Iterable[tuple[Mapping[str, str], int]],
    tables: Sequence[Sequence[str]],
    domains: Mapping[str, Sequence[str]],
    rollups: Mapping[str, tuple[str, Callable[[str], str]]] | None = None,
) -> System:
    """Every cell and margin of one- and two-way `tables` over `domains`, counted from `rows`.

    `rows` are (dimension values, count) at a grain fine enough for every table; values outside
    a dimension's domain are an error rather than a silently different total. `rollups` names
    coarser dimensions worked out from finer ones ({"month": ("year", year_of)}): a reader can
    add up the months of a year, so those sums are part of the system too.
    """
    rollups = rollups or {}
    counts: dict[Key, int] = defaultdict(int)
    dimensions = {d for table in tables for d in table}
    for dimension in dimensions:
        if dimension not in domains:
            raise ValueError(f"no domain declared for dimension {dimension!r}")
        if len(set(domains[dimension])) != len(domains[dimension]):
            # Each sum would count the value twice, and no longer add up to its total.
            raise ValueError(f"the domain of {dimension!r} lists a value twice")
    for table in tables:
        if not 1 <= len(table) <= 2:
            raise ValueError(f"tables have one or two dimensions, not {table!r}")
        for values in product(*(domains[d] for d in table)):
            for margin in _margins(table):
                counts[
                    key(**{d: v for d, v in zip(table, values, strict=True) if d in margin})
                ] += 0
    for values, n in rows:
        values = dict(values)
        for child, (parent, parent_of) in rollups.items():
            if child in values:
                values[parent] = parent_of(values[child])
        for dimension in dimensions:
            if str(values[dimension]) not in domains[dimension]:
                raise ValueError(f"{values[dimension]!r} is not in the domain of {dimension!r}")
        for margin in {m for table in tables for m in _margins(table)}:
            counts[key(**{d: values[d] for d in margin})] += n
    # The same identity (say, grand total = sum of the month totals) may come from two tables.
    sums: dict[tuple[Key, str], Sum] = {}
    for table in tables:
        for total_dims, part_dim in _identities(table):
            for fixed in product(*(domains[d] for d in total_dims)):
                given = dict(zip(total_dims, fixed, strict=True))
                parts = tuple(key(**given, **{part_dim: v}) for v in domains[part_dim])
                sums[(key(**given), part_dim)] = Sum(key(**given), parts)
    shapes = {tuple(sorted(m)) for table in tables for m in _margins(table)}
    for child, (parent, parent_of) in rollups.items():
        for shape in shapes:
            finer = tuple(sorted(child if d == parent else d for d in shape))
            if parent not in shape or finer not in shapes:
                continue
            others = [d for d in shape if d != parent]
            for fixed in product(*(domains[d] for d in others)):
                given = dict(zip(others, fixed, strict=True))
                for coarse in domains[parent]:
                    parts = tuple(
                        key(**given, **{child: v}) for v in domains[child] if parent_of(v) == coarse
                    )
                    total = key(**given, **{parent: coarse})
                    sums[(total, child)] = Sum(total, parts)
    return System(counts=dict(counts), sums=tuple(sums.values()))


def _margins(table: Sequence[str]) -> list[tuple[str, ...]]:
    """The cell itself and every margin above it: (a, b), (a,), (b,), ()."""
    if len(table) == 1:
        return [tuple(table), ()]
    a, b = table
    return [(a, b), (a,), (b,), ()]


def _identities(table: Sequence[str]) -> list[tuple[tuple[str, ...], str]]:
    """(dimensions held fixed in the total, the dimension summed over) for each identity."""
    if len(table) == 1:
        return [((), table[0])]
    a, b = table
    return [((a,), b), ((b,), a), ((), a), ((), b)]


def hidden_cells(system: System, threshold: int = DEFAULT_THRESHOLD) -> frozenset[Key]:
    """The cells to show as suppressed: primary, complementary, and whatever the audit adds."""
    if threshold < 1:
        raise ValueError("the suppression threshold is at least 1")
    counts = system.counts
    hidden = {k for k, n in counts.items() if 1 <= n <= threshold}
    while True:
        _complete_sums(system, hidden)
        exposed = exposed_cells(system, hidden)
        if not exposed:
            return frozenset(hidden)
        before = len(hidden)
        for cell in sorted(exposed):
            _hide_beside(system, hidden, cell)
        if len(hidden) == before:
            raise RuntimeError(f"cannot protect {sorted(exposed)!r}")


def _complete_sums(system: System, hidden: set[Key]) -> None:
    counts = system.counts
    changed = True
    while changed:
        changed = False
        for identity in system.sums:
            terms = (identity.total, *identity.parts)
            if sum(t in hidden for t in terms) != 1:
                continue
            partner = _smallest_visible(counts, hidden, identity.parts) or _smallest_visible(
                counts, hidden, (identity.total,)
            )
            if partner is not None:
                hidden.add(partner)
                changed = True


def _hide_beside(system: System, hidden: set[Key], cell: Key) -> None:
    """Hide the nearest small count tied to `cell` by the sums: parts before totals.

    When every count in the sums with `cell` is already hidden, the range collapsed through
    hidden neighbours (say x + y = 2 with both at least 1), so the search moves outwards.
    """
    seen, frontier = {cell}, [cell]
    while frontier:
        beside = [s for s in system.sums if s.total in frontier or set(s.parts) & set(frontier)]
        for terms in ([p for s in beside for p in s.parts], [s.total for s in beside]):
            partner = _smallest_visible(system.counts, hidden, terms)
            if partner is not None:
                hidden.add(partner)
                return
        reached = {t for s in beside for t in (s.total, *s.parts)} - seen
        seen |= reached
        frontier = [t for t in reached if t in hidden]


def _smallest_visible(counts: Mapping[Key, int], hidden: set[Key], cells: Iterable[Key]):
    candidates = [c for c in cells if c not in hidden and counts[c] > 0]
    return min(candidates, key=lambda c: (counts[c], c)) if candidates else None


def exposed_cells(system: System, hidden: Iterable[Key]) -> set[Key]:
    """Hidden cells whose value follows from what is shown (their feasible range is one value)."""
    hidden = sorted(set(hidden))
    if not hidden:
        return set()
    index = {cell: i for i, cell in enumerate(hidden)}
    rows = [s for s in system.sums if s.total in index or any(p in index for p in s.parts)]
    a = lil_matrix((len(rows), len(hidden)))
    b = np.zeros(len(rows))
    for r, identity in enumerate(rows):
        for coefficient, cell in [(-1, identity.total)] + [(1, p) for p in identity.parts]:
            if cell in index:
                a[r, index[cell]] += coefficient
            else:
                b[r] -= coefficient * system.counts[cell]
    a = a.tocsr()
    bounds = [(1, None)] * len(hidden)
    exposed = set()
    for cell, i in index.items():
        objective = np.zeros(len(hidden))
        objective[i] = 1
        low = linprog(objective, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        if low.status != 0:
            raise RuntimeError(f"the published counts are inconsistent: {low.message}")
        if high.status == 0 and -high.fun - low.fun < 0.5:
            exposed.add(cell)
    return exposed


# --- Record-level data and the tables together ---------------------------------------------------


@dataclass(frozen=True)
class Group:
    """What a record-level surface says of one family of counts: `count` of the family's
    records lie among the finest cells whose values are in `values` (dimension: the values it
    may take; a dimension left out may take any). When not `certain`, at most `count` do (some
    of those records may not belong to the family: a complaint whose closing is withheld may
    still be open)."""

    values: Mapping[str, frozenset[str]]
    count: int
    certain: bool = True


@dataclass(frozen=True)
class Grouping:
    """A record-level surface as one family sees it. `complete`: every record the family
    counts is in one of the groups (every allegation is a row), rather than some of them."""

    groups: tuple[Group, ...]
    complete: bool


def audit_surfaces(
    system: System,
    hidden: Iterable[Key],
    finest: Mapping[str, Sequence[str]],
    grouping: Grouping,
    rollups: Mapping[str, tuple[str, Callable[[str], str]]] | None = None,
) -> set[Key]:
    """Hidden cells whose value follows from the tables and the records together.

    The unknowns are the counts in the family's finest cells (every combination of `finest`'s
    dimensions), split by the group of records each falls in, plus, when the records are not
    `complete`, those no group holds. Every published count (a table's cell or margin) is a sum
    of unknowns; so is every group. For each hidden cell a linear programme finds its smallest
    and largest value given all of it, as `exposed_cells` does for the tables alone.
    """
    from scipy.sparse import csr_matrix, vstack

    hidden = sorted(set(hidden))
    if not hidden:
        return set()
    rollups = rollups or {}
    dims = list(finest)
    axes = np.meshgrid(*[np.arange(len(finest[d])) for d in dims], indexing="ij")
    n = int(np.prod([len(finest[d]) for d in dims])) if dims else 1
    values = {
        d: np.array(list(finest[d]), dtype=object)[axis.ravel()]
        for d, axis in zip(dims, axes, strict=True)
    }
    for child, (parent, parent_of) in rollups.items():
        if child in values:
            coarse = np.array([parent_of(v) for v in finest[child]], dtype=object)
            values[parent] = coarse[axes[dims.index(child)].ravel()]

    def within(allowed: Mapping[str, Iterable[str]]) -> np.ndarray:
        inside = np.ones(n, dtype=bool)
        for d, these in allowed.items():
            if d not in values:
                raise ValueError(f"{d!r} is not a dimension of this family")
            inside &= np.isin(values[d], list(these))
        return inside

    cells = list(system.counts)
    row_of = {cell: i for i, cell in enumerate(cells)}
    cell_rows = np.array([within({d: [v] for d, v in cell}) for cell in cells], dtype=float)
    fine = csr_matrix(cell_rows)  # published count x finest cell
    group_cells = [np.flatnonzero(within(g.values)) for g in grouping.groups]
    columns = (
        np.concatenate([*group_cells, np.arange(n)])
        if not grouping.complete
        else (np.concatenate(group_cells) if group_cells else np.zeros(0, dtype=int))
    )
    if columns.size == 0:
        # Nothing at all can be in any cell, yet hidden cells hold at least one.
        raise RuntimeError("the published records and counts are inconsistent")
    counted = fine[:, columns]  # published count x unknown
    membership = np.zeros((len(grouping.groups), columns.size))
    start = 0
    for g, these in enumerate(group_cells):
        membership[g, start : start + these.size] = 1
        start += these.size
    membership = csr_matrix(membership)

    hidden_set = set(hidden)
    shown = [row_of[c] for c in cells if c not in hidden_set]
    secret = [row_of[c] for c in hidden]
    certain = [g for g, group in enumerate(grouping.groups) if group.certain]
    uncertain = [g for g, group in enumerate(grouping.groups) if not group.certain]
    a_eq = vstack([counted[shown], membership[certain]]).tocsr()
    b_eq = np.concatenate(
        [
            [system.counts[cells[r]] for r in shown],
            [grouping.groups[g].count for g in certain],
        ]
    )
    a_ub = vstack([-counted[secret], membership[uncertain]]).tocsr()
    b_ub = np.concatenate([-np.ones(len(secret)), [grouping.groups[g].count for g in uncertain]])
    exposed = set()
    for cell, r in zip(hidden, secret, strict=True):
        objective = counted[r].toarray().ravel()
        low = linprog(objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, method="highs")
        high = linprog(-objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, method="highs")
        if low.status != 0:
            raise RuntimeError(f"the published records and counts are inconsistent: {low.message}")
        if high.status == 0 and -high.fun - low.fun < 0.5:
            exposed.add(cell)
    return exposed
