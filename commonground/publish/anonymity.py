"""k-anonymity for record-level data: coarsen or withhold quasi-identifiers until every
combination published is shared by more than `threshold` people.

A record set's rows are grouped by who they are about (a complaint, for allegations). Some
quasi-identifiers belong to the person's record as a whole (when and how the complaint came in,
where, how and when it ended) and must read the same on each of its rows, or comparing rows would
undo the coarsening; others belong to one row (the kind of misconduct, the finding, the officer).

1. The whole-record fields are coarsened for every record alike, one field a step at a time, the
   field with the most distinct values first, until at most 5% of records are in groups of
   `threshold` or fewer (Sweeney's Datafly). The records still in small groups are then coarsened
   one by one, field after field in a fixed order, until their group is large enough; records
   that end with every field withheld form one group, grown from the smallest others if needed.
2. The same is done for the row fields, within each group of records, counting records, not rows.

A group therefore always holds more than `threshold` records, so any count worked out from the
rows is 0 or more than the threshold: never a count the tables hide. Whether the rows, together
with the tables, pin down a hidden count is the separate question `disclosure.audit_surfaces`
answers; `coarsen_where` is how a release coarsens further when it finds one.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

WITHHELD = "withheld"
# Datafly stops coarsening every record alike once this share is left in small groups.
DATAFLY_SMALL_SHARE = 0.05


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
    datafly: bool = True,
) -> Coarsening:
    """Levels for `hierarchies` so that every group of rows sharing their coarsened values and
    the `fixed` columns holds more than `threshold` distinct `person`s."""
    hierarchies = tuple(hierarchies)
    names = [h.column for h in hierarchies]
    order = list(order or names)
    n = frame.height
    coarsening = Coarsening(
        hierarchies, {h.column: np.zeros(n, dtype=np.int8) for h in hierarchies}
    )
    if n == 0:
        return coarsening
    by = {h.column: h for h in hierarchies}
    group_columns = [*fixed, *names]

    def sizes():
        return _group_sizes(coarsening.apply(frame), group_columns, person)

    def people_in_small_groups() -> int:
        return frame.filter(pl.Series(sizes() <= threshold))[person].n_unique()

    if datafly:
        people = frame[person].n_unique()
        while (small_people := people_in_small_groups()) > DATAFLY_SMALL_SHARE * people:
            # The step that leaves the fewest people in small groups; ties go to the field
            # least telling (first in `order`). Datafly itself takes the field with the most
            # distinct values, which on a few fields of few values each often withholds the one
            # that mattered least.
            best = None
            for h in sorted(hierarchies, key=lambda h: order.index(h.column)):
                if coarsening.levels[h.column][0] >= h.top:
                    continue
                coarsening.levels[h.column] += 1
                left = people_in_small_groups()
                coarsening.levels[h.column] -= 1
                if best is None or left < best[0]:
                    best = (left, h)
            if best is None or best[0] >= small_people:
                break  # no single step helps: the local phase takes over
            coarsening.levels[best[1].column] += 1

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


def coarsen_where(coarsening: Coarsening, rows: np.ndarray, column: str) -> bool:
    """`column` one step coarser on `rows`, which must be whole groups: all of them move to one
    level, so no group is split and none shrinks. False when they were withheld already."""
    h = next(h for h in coarsening.hierarchies if h.column == column)
    levels = coarsening.levels[column]
    if not rows.any() or levels[rows].min() >= h.top:
        return False
    levels[rows] = min(h.top, int(levels[rows].max()) + 1)
    return True
