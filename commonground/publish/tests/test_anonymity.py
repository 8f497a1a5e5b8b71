"""Properties of the coarsening and of the joint audit, on random data."""

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonground.publish.anonymity import categorical, k_anonymise, period
from commonground.publish.disclosure import (
    Group,
    Grouping,
    audit_surfaces,
    exposed_cells,
    hidden_cells,
    key,
    tabulate,
)

MONTHS = ["2025-01", "2025-02", "2025-07", "2026-03"]


@st.composite
def people(draw):
    n = draw(st.integers(0, 60))
    return pl.DataFrame(
        {
            "person": list(range(n)),
            "month": draw(st.lists(st.sampled_from(MONTHS), min_size=n, max_size=n)),
            "district": draw(st.lists(st.sampled_from(["A", "B", "C"]), min_size=n, max_size=n)),
            "channel": draw(
                st.lists(st.sampled_from(["web", "mail", None]), min_size=n, max_size=n)
            ),
        },
        schema={
            "person": pl.Int64,
            "month": pl.String,
            "district": pl.String,
            "channel": pl.String,
        },
    )


@given(frame=people(), threshold=st.integers(1, 6))
@settings(max_examples=80, suppress_health_check=list(HealthCheck))
def test_every_published_combination_is_shared_by_more_people_than_the_threshold(frame, threshold):
    fields = (period("month"), categorical("district"), categorical("channel"))
    coarse = k_anonymise(frame, fields, person="person", threshold=threshold).apply(frame)

    if frame.height > threshold:
        sizes = coarse.group_by("month", "district", "channel").agg(pl.col("person").n_unique())
        assert sizes["person"].min() > threshold
    assert coarse.height == frame.height


def grid(rows, columns):
    records = [
        ({"r": str(i), "c": str(j)}, n) for i, row in enumerate(rows) for j, n in enumerate(row)
    ]
    domains = {"r": [str(i) for i in range(len(rows))], "c": [str(j) for j in range(columns)]}
    return records, domains


counts = st.integers(0, 30)


@given(
    rows=st.integers(2, 4).flatmap(
        lambda r: st.integers(2, 4).flatmap(
            lambda c: st.lists(st.lists(counts, min_size=c, max_size=c), min_size=r, max_size=r)
        )
    ),
    threshold=st.integers(1, 5),
)
@settings(max_examples=40, suppress_health_check=list(HealthCheck))
def test_with_no_records_the_joint_audit_agrees_with_the_tables_audit(rows, threshold):
    records, domains = grid(rows, len(rows[0]))
    system = tabulate(records, [("r", "c")], domains)
    hidden = hidden_cells(system, threshold)
    # A hidden cell the tables' audit passed is also passed by the joint one, and any hidden
    # set it would flag, the joint one flags too.
    nothing = Grouping((), complete=False)
    assert audit_surfaces(system, hidden, domains, nothing) == exposed_cells(system, hidden)
    primary_only = frozenset(k for k, n in system.counts.items() if 1 <= n <= threshold)
    assert audit_surfaces(system, primary_only, domains, nothing) == exposed_cells(
        system, primary_only
    )


def test_records_at_the_finest_grain_expose_every_hidden_cell():
    records, domains = grid([[3, 12, 15], [14, 2, 20]], 3)
    system = tabulate(records, [("r", "c")], domains)
    hidden = hidden_cells(system, 10)
    assert hidden
    exact = Grouping(
        tuple(
            Group({"r": frozenset([v["r"]]), "c": frozenset([v["c"]])}, n) for v, n in records if n
        ),
        complete=True,
    )

    assert audit_surfaces(system, hidden, domains, exact) == set(hidden)


def test_coarse_records_expose_nothing_and_a_subset_gives_only_lower_bounds():
    records, domains = grid([[3, 12, 15], [14, 2, 20]], 3)
    system = tabulate(records, [("r", "c")], domains)
    hidden = hidden_cells(system, 10)
    by_row = Grouping(
        (Group({"r": frozenset(["0"])}, 30), Group({"r": frozenset(["1"])}, 36)), complete=True
    )
    # Rows whose column is withheld say what the row totals say already.
    assert audit_surfaces(system, hidden, domains, by_row) == set()
    # Cell (0, 1) holds 12, hidden as a partner of (0, 0). Records certainly in it, but not
    # all of its records, give a lower bound: with 12 of them the row and column sums still
    # leave it 12 or 13; with 13, the bound meets the sums' upper bound of 13 (column 1 totals
    # 14 and (1, 1) is at least 1), which pins it and, through the sums, every other.
    assert hidden == {key(r="0", c="0"), key(r="0", c="1"), key(r="1", c="0"), key(r="1", c="1")}
    for certain, exposed in [(12, set()), (13, set(hidden))]:
        partial = Grouping(
            (Group({"r": frozenset(["0"]), "c": frozenset(["1"])}, certain),), complete=False
        )
        assert audit_surfaces(system, hidden, domains, partial) == exposed
