"""k-anonymity for record-level data: coarsen or withhold quasi-identifiers until every
combination published is shared by more than `threshold` people.

A record set's rows are grouped by who they are about (a complaint, for allegations). Some
quasi-identifiers belong to the person's record as a whole (when and how the complaint came in,
where, how and when it ended) and must read the same on each of its rows, or comparing rows would
undo the coarsening; others belong to one row (the kind of misconduct, the finding, the officer).

1. One level per field for every row alike (`coarsen_alike`): of all the combinations of
   levels, over the whole-record and row fields together, the one that loses least (fields
   weighted by how much they tell researchers) while leaving at most SMALL_SHARE of people in
   groups of `threshold` or fewer, as ARX's optimal search does.
2. From there, the whole-record fields of the people still in small groups are coarsened one
   by one, field after field in a fixed order, until their group is large enough; people who
   end with every field withheld form one group, grown from the smallest others if needed.
3. The same is done for the row fields, within each group of people, counting people, not rows.

A group therefore always holds more than `threshold` records, so any count worked out from the
rows is 0 or more than the threshold: never a count the tables hide. Whether the rows, together
with the tables, pin down a hidden count is the separate question `disclosure.audit_surfaces`
answers; `coarsen_where` is how a release coarsens further when it finds one.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import product

import numpy as np
import polars as pl

WITHHELD = "withheld"
# Coarsening every record alike stops once at most this share is left in small groups.
SMALL_SHARE = 0.2


@dataclass(frozen=True)
class Hierarchy:
    """A quasi-identifier and its steps from the value as recorded to withheld. Each step maps a
    value of the first step (or None) to its coarser form; the last step withholds."""

    column: str
    steps: tuple[Callable[[str | None], str | None], ...]

    @property
    def top(self) -> int:
        return len(self.steps)

    def at(self, values: Sequence[str | None], level: int) -> list[str | None]:
        if level >= self.top:
            return [WITHHELD] * len(values)
        step = self.steps[level]
        return [step(v) for v in values]


def _same(value):
    return value


def quarter(month: str | None) -> str | None:
    if month is None:
        return None
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def year(month: str | None) -> str | None:
    return None if month is None else month[:4]


def categorical(column: str) -> Hierarchy:
    return Hierarchy(column, (_same,))


def period(column: str) -> Hierarchy:
    """A month ("2026-03"), then its quarter ("2026-Q1"), then its year, then withheld."""
    return Hierarchy(column, (_same, quarter, year))


@dataclass
class Coarsening:
    """The level each record (or row) is at for each quasi-identifier."""

    hierarchies: tuple[Hierarchy, ...]
    levels: dict[str, np.ndarray]

    def apply(self, frame: pl.DataFrame) -> pl.DataFrame:
        columns = {}
        for h in self.hierarchies:
            values = frame[h.column].to_list()
            out = list(values)
            levels = self.levels[h.column]
            for level in np.unique(levels):
                rows = np.flatnonzero(levels == level)
                coarse = h.at([values[i] for i in rows], int(level))
                for i, v in zip(rows, coarse, strict=True):
                    out[i] = v
            columns[h.column] = pl.Series(h.column, out, dtype=pl.String)
        return frame.with_columns(**columns)


def _group_sizes(frame: pl.DataFrame, columns: list[str], person: str) -> np.ndarray:
    """For each row, how many distinct people share its values of `columns`."""
    sized = frame.with_row_index("_row").with_columns(_size=pl.col(person).n_unique().over(columns))
    return sized.sort("_row")["_size"].to_numpy()


def k_anonymise(
    frame: pl.DataFrame,
    hierarchies: Sequence[Hierarchy],
    *,
    person: str,
    threshold: int,
    fixed: Sequence[str] = (),
    order: Sequence[str] | None = None,
    start: Mapping[str, int] | None = None,
) -> Coarsening:
    """Levels for `hierarchies` so that every group of rows sharing their coarsened values and
    the `fixed` columns holds more than `threshold` distinct `person`s: from the same levels for
    everyone (`start`, or the least-loss choice of `coarsen_alike`), then row by row."""
    hierarchies = tuple(hierarchies)
    names = [h.column for h in hierarchies]
    order = list(order or names)
    n = frame.height
    if start is None:
        start = coarsen_alike(frame, hierarchies, person=person, threshold=threshold, order=order)
    coarsening = Coarsening(
        hierarchies,
        {h.column: np.full(n, start.get(h.column, 0), dtype=np.int8) for h in hierarchies},
    )
    if n == 0:
        return coarsening
    by = {h.column: h for h in hierarchies}
    group_columns = [*fixed, *names]

    def sizes():
        return _group_sizes(coarsening.apply(frame), group_columns, person)

    while True:
        size = sizes()
        small = size <= threshold
        if not small.any():
            return coarsening
        levels = np.stack([coarsening.levels[c] for c in order])
        tops = np.array([by[c].top for c in order])[:, None]
        withheld = (levels >= tops).all(axis=0)
        movable = small & ~withheld
        if movable.any():
            # Each small row moves its first field in `order` not yet withheld one step up.
            first = np.argmax(levels < tops, axis=0)
            for position, column in enumerate(order):
                rows = movable & (first == position)
                coarsening.levels[column][rows] += 1
            continue
        # Only all-withheld groups are small: grow each from the smallest group beside it
        # (sharing the fixed columns), whole, so no group is split.
        grown = False
        coarse = coarsening.apply(frame)
        keyed = coarse.with_row_index("_row").with_columns(
            _size=pl.Series(size), _withheld=pl.Series(withheld)
        )
        for _fixed_values, part in keyed.group_by(list(fixed) or [pl.lit(1)]):
            if not (part["_withheld"] & (part["_size"] <= threshold)).any():
                continue
            others = part.filter(~pl.col("_withheld"))
            if others.is_empty():
                continue
            smallest = others.sort("_size").row(0, named=True)
            same = others.filter(
                pl.all_horizontal([pl.col(c).eq_missing(smallest[c]) for c in names])
            )["_row"].to_numpy()
            for column in names:
                coarsening.levels[column][same] = by[column].top
            grown = True
        if not grown:
            # Fewer people than the threshold in all: nothing can be published about them.
            return coarsening


def coarsen_alike(
    frame: pl.DataFrame,
    hierarchies: Sequence[Hierarchy],
    *,
    person: str,
    threshold: int,
    order: Sequence[str],
) -> dict[str, int]:
    """One level per field for every row alike: of all the combinations, the one that loses
    least while leaving at most SMALL_SHARE of people in groups of `threshold` or fewer. A
    field's loss is the share of its steps taken, weighted by its place in `order` (least
    telling first: 1, 2, 3...); the levels are tried from the least loss up, and the first
    that will do is the answer (as ARX's
    optimal search does, over a lattice this small). Greedy one-step choices (Datafly's field
    with the most values, or the step that helps most) withheld the district everywhere to save
    a few groups that coarser dates would have saved, as no single step on the dates helped."""
    hierarchies = tuple(hierarchies)
    if frame.is_empty():
        return {h.column: 0 for h in hierarchies}
    budget = SMALL_SHARE * frame[person].n_unique()
    weights = {h.column: order.index(h.column) + 1 for h in hierarchies}
    columns = {
        (h.column, level): pl.Series(h.column, h.at(frame[h.column].to_list(), level), pl.String)
        for h in hierarchies
        for level in range(h.top + 1)
    }
    lattice = sorted(
        product(*(range(h.top + 1) for h in hierarchies)),
        key=lambda levels: sum(
            weights[h.column] * level / h.top for h, level in zip(hierarchies, levels, strict=True)
        ),
    )
    for levels in lattice:
        coarse = pl.DataFrame(
            [columns[(h.column, level)] for h, level in zip(hierarchies, levels, strict=True)]
        ).with_columns(frame[person])
        small = (
            coarse.group_by([h.column for h in hierarchies])
            .agg(pl.col(person).n_unique().alias("n"))
            .filter(pl.col("n") <= threshold)["n"]
            .sum()
        )
        if small <= budget:
            return {h.column: level for h, level in zip(hierarchies, levels, strict=True)}
    return {h.column: h.top for h in hierarchies}


def coarsen_where(coarsening: Coarsening, rows: np.ndarray, column: str) -> bool:
    """`column` one step coarser on `rows`, which must be whole groups: all of them move to one
    level, so no group is split and none shrinks. False when they were withheld already."""
    h = next(h for h in coarsening.hierarchies if h.column == column)
    levels = coarsening.levels[column]
    if not rows.any() or levels[rows].min() >= h.top:
        return False
    levels[rows] = min(h.top, int(levels[rows].max()) + 1)
    return True
