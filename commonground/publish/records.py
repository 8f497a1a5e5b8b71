"""A record set as published: k-anonymous, and audited with the count tables it overlaps.

The rows are coarsened until every combination of quasi-identifiers is shared by more than the
threshold's number of people (anonymity.py). Then the rows and the suppressed tables are audited
together (disclosure.audit_surfaces): wherever the rows would pin down a count the tables hide,
the rows that could stand in that cell are coarsened one step further (whole groups at a time,
so the rows stay k-anonymous) and the audit runs again.
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from commonground.publish import datasets as ds
from commonground.publish.anonymity import (
    WITHHELD,
    Coarsening,
    coarsen_alike,
    coarsen_where,
    k_anonymise,
)
from commonground.publish.disclosure import Key, System, audit_surfaces

log = logging.getLogger(__name__)

# Which published column stands for each dimension of the families the records overlap, finest
# first: when a hidden cell is exposed, the first of its columns not yet withheld gives way.
COLUMN_FOR = {
    "allegations": {"month": "received_period", "finding": "finding", "category": "category"},
    "complaints": {"month": "received_period", "channel": "channel", "district": "district"},
    "closed": {"month": "closed_period", "days_to_close": "days_to_close", "outcome": "outcome"},
}
YEAR_OF = {"year": "month"}


@dataclass(frozen=True)
class FamilyTables:
    """One family's published tables after suppression: what the audit needs."""

    system: System
    hidden: frozenset[Key]
    finest: Mapping[str, list[str]]
    rollups: Mapping[str, tuple[str, Callable[[str], str]]]


def publishable_rows(
    record_set: ds.RecordSet,
    raw: pl.DataFrame,
    *,
    officer_data: bool,
    threshold: int,
    families: Mapping[str, FamilyTables],
    progress: Callable[[str], None] = lambda _m: None,
) -> pl.DataFrame:
    """`raw` (rows as `record_set.present` gives them) coarsened and audited, without the
    internal person key, in the order of their public identifiers."""
    # Fewer people than the threshold in all: even with every field withheld the rows would
    # say how many there are, which the tables hide; nothing is published.
    if raw[ds.PERSON].n_unique() <= threshold:
        return raw.clear().drop(ds.PERSON)
    coarsening = _k_anonymous(record_set, raw, officer_data, threshold)
    rounds = 0
    while True:
        published = coarsening.apply(raw)
        exposed = {
            slug: cells
            for slug, grouping in record_set.groupings(published).items()
            if slug in families
            and (
                cells := audit_surfaces(
                    families[slug].system,
                    families[slug].hidden,
                    families[slug].finest,
                    grouping,
                    families[slug].rollups,
                )
            )
        }
        if not exposed:
            break
        rounds += 1
        progress(f"{record_set.slug}: coarsening further, round {rounds}")
        moved = False
        for slug, cells in exposed.items():
            for cell in cells:
                moved |= _coarsen_towards(coarsening, raw, published, slug, cell, record_set)
        if not moved:
            # Not seen in practice (rows with every field withheld tell only the totals); if it
            # ever happens, the rows are left out rather than the release failing.
            log.error("%s: cannot protect %r; no rows published", record_set.slug, exposed)
            return raw.clear().drop(ds.PERSON)
    published = coarsening.apply(raw)
    return published.drop(ds.PERSON).sort(record_set.fields_always[0].name)


def _k_anonymous(record_set, raw, officer_data, threshold) -> Coarsening:
    """The same levels for every row first, chosen over every field at once (the person's and
    the row's, counting people); then the person fields person by person, and last the row
    fields within each group of people."""
    person_fields = record_set.person_fields
    row_fields = tuple(
        h
        for h in record_set.quasi_identifiers(officer_data)
        if h not in person_fields and h.column in raw.columns
    )
    alike = coarsen_alike(
        raw,
        person_fields + row_fields,
        person=ds.PERSON,
        threshold=threshold,
        order=record_set.local_order,
    )
    people = raw.unique(ds.PERSON, keep="first", maintain_order=True)
    first = k_anonymise(
        people,
        person_fields,
        person=ds.PERSON,
        threshold=threshold,
        order=[c for c in record_set.local_order if c in {h.column for h in person_fields}],
        start=alike,
    )
    person_levels = pl.DataFrame(
        {ds.PERSON: people[ds.PERSON]}
        | {f"_level_{h.column}": first.levels[h.column] for h in person_fields}
    )
    levels = raw.select(ds.PERSON).join(person_levels, on=ds.PERSON, how="left")
    # The person fields as coarsened hold fixed while the row fields are coarsened.
    fixed = Coarsening(
        person_fields,
        {h.column: levels[f"_level_{h.column}"].to_numpy().copy() for h in person_fields},
    )
    second = k_anonymise(
        fixed.apply(raw),
        row_fields,
        person=ds.PERSON,
        threshold=threshold,
        fixed=[h.column for h in person_fields],
        order=[c for c in record_set.local_order if c in {h.column for h in row_fields}],
        start=alike,
    )
    return Coarsening(person_fields + row_fields, fixed.levels | second.levels)


def _coarsen_towards(coarsening, raw, published, slug, cell: Key, record_set) -> bool:
    """Coarsen the rows that could stand in `cell` (whole groups), on the finest of the cell's
    columns not yet withheld."""
    columns = COLUMN_FOR[slug]
    compatible = np.ones(raw.height, dtype=bool)
    for dimension, value in cell:
        dimension = YEAR_OF.get(dimension, dimension)
        column = published[columns[dimension]].to_list()
        if dimension == "month":
            months = ds.months_of(value) or frozenset()
            compatible &= np.array(
                [
                    v == WITHHELD or (v is not None and bool(ds.months_of(v) & months))
                    for v in column
                ]
            )
        else:
            compatible &= np.array(
                [v in (WITHHELD, value) or (v is None and value == "pending") for v in column]
            )
    person_columns = {h.column for h in record_set.person_fields}
    keys = [h.column for h in coarsening.hierarchies]
    for dimension in columns:
        if not any(YEAR_OF.get(d, d) == dimension for d, _v in cell):
            continue
        column = columns[dimension]
        if column in person_columns:
            # Every row of every group of people any of these rows' people are in.
            groups = published.select([c for c in keys if c in person_columns])
        else:
            groups = published.select(keys)
        marked = groups.with_columns(_hit=pl.Series(compatible))
        hit = marked.filter(pl.col("_hit")).drop("_hit").unique()
        if hit.is_empty():
            return False
        rows = (
            groups.with_row_index("_row")
            .join(hit, on=list(groups.columns), how="semi", nulls_equal=True)["_row"]
            .to_numpy()
        )
        mask = np.zeros(raw.height, dtype=bool)
        mask[rows] = True
        if coarsen_where(coarsening, mask, column):
            return True
    return False
