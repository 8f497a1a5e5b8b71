"""Suppression is proved against an attacker who knows every shown count and every sum.

The check here builds its own linear programme straight from the grids (not from the system
`tabulate` builds) and asks, for every hidden cell, for the smallest and largest value it could
take; a hidden value that could be worked out would make that range a single number.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from commonground.publish.disclosure import (
    hidden_cells,
    key,
    tabulate,
)


def grid_system(grids, threshold=10):
    """Grids share their row dimension `r`; grid g's columns are dimension `d{g}`."""
    domains = {"r": [str(i) for i in range(len(grids[0]))]}
    for g, grid in enumerate(grids):
        domains[f"d{g}"] = [str(j) for j in range(len(grid[0]))]
    system = None
    for g, grid in enumerate(grids):
        records = [
            ({"r": str(i), f"d{g}": str(j)}, n)
            for i, row in enumerate(grid)
            for j, n in enumerate(row)
        ]
        part = tabulate(records, [("r", f"d{g}")], {d: domains[d] for d in ("r", f"d{g}")})
        system = part if system is None else _merge(system, part)
    return system, hidden_cells(system, threshold)


def _merge(a, b):
    from commonground.publish.disclosure import System

    counts = dict(a.counts)
    for k, n in b.counts.items():
        assert counts.get(k, n) == n, "grids must agree on the shared row totals"
        counts[k] = n
    return System(counts=counts, sums=a.sums + b.sums)


def attacker_ranges(grids, hidden):
    """For each hidden cell: (smallest, largest) value consistent with everything shown."""
    names = []  # every cell of every extended grid, shared row totals and grand total once
    for g, grid in enumerate(grids):
        for i in range(len(grid)):
            for j in range(len(grid[0])):
                names.append(key(r=str(i), **{f"d{g}": str(j)}))
        for j in range(len(grid[0])):
            names.append(key(**{f"d{g}": str(j)}))
    names += [key(r=str(i)) for i in range(len(grids[0]))] + [()]
    value = {}
    for g, grid in enumerate(grids):
        for i, row in enumerate(grid):
            for j, n in enumerate(row):
                value[key(r=str(i), **{f"d{g}": str(j)})] = n
        for j in range(len(grid[0])):
            value[key(**{f"d{g}": str(j)})] = sum(row[j] for row in grid)
    for i, row in enumerate(grids[0]):
        value[key(r=str(i))] = sum(row)
    value[()] = sum(map(sum, grids[0]))
    index = {n: k for k, n in enumerate(names)}
    equations = []
    for g, grid in enumerate(grids):
        rows, cols = len(grid), len(grid[0])
        for i in range(rows):
            equations.append(
                [(key(r=str(i)), -1)]
                + [(key(r=str(i), **{f"d{g}": str(j)}), 1) for j in range(cols)]
            )
        for j in range(cols):
            equations.append(
                [(key(**{f"d{g}": str(j)}), -1)]
                + [(key(r=str(i), **{f"d{g}": str(j)}), 1) for i in range(rows)]
            )
        equations.append([((), -1)] + [(key(**{f"d{g}": str(j)}), 1) for j in range(cols)])
    equations.append([((), -1)] + [(key(r=str(i)), 1) for i in range(len(grids[0]))])
    a = np.zeros((len(equations), len(names)))
    for e, terms in enumerate(equations):
        for cell, coefficient in terms:
            a[e, index[cell]] += coefficient
    bounds = [(1, None) if n in hidden else (value[n], value[n]) for n in names]
    ranges = {}
    for cell in hidden:
        c = np.zeros(len(names))
        c[index[cell]] = 1
        low = linprog(c, A_eq=a, b_eq=np.zeros(len(equations)), bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a, b_eq=np.zeros(len(equations)), bounds=bounds, method="highs")
        assert low.status == 0
        ranges[cell] = (low.fun, None if high.status == 3 else -high.fun)
    return value, ranges


counts = st.one_of(st.just(0), st.integers(1, 10), st.integers(11, 80))


@st.composite
def grids_sharing_rows(draw):
    rows = draw(st.integers(1, 4))
    first = draw(
        st.lists(st.lists(counts, min_size=1, max_size=4).map(tuple), min_size=rows, max_size=rows)
    )
    first = [list(r[: len(first[0])]) + [0] * (len(first[0]) - len(r)) for r in first]
    grids = [first]
    if draw(st.booleans()):
        # A second table over the same records: each row total split differently across columns.
        second = []
        for row in first:
            total = sum(row)
            cut = sorted(draw(st.lists(st.integers(0, total), min_size=1, max_size=2)))
            second.append([cut[0], cut[-1] - cut[0], total - cut[-1]])
        grids.append(second)
    return grids


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids_sharing_rows(), st.sampled_from([1, 5, 10]))
def test_no_hidden_count_can_be_worked_out_from_what_is_shown(grids, threshold):
    note(f"grids={grids!r} threshold={threshold}")
    _system, hidden = grid_system(grids, threshold)
    value, ranges = attacker_ranges(grids, hidden)

    for cell, n in value.items():
        if 1 <= n <= threshold:
            assert cell in hidden, f"{cell} = {n} is small and shown"
    for cell in hidden:
        assert value[cell] >= 1, "only non-zero counts are hidden, so 'at least 1' is true"
        low, high = ranges[cell]
        assert high is None or high - low >= 1 - 1e-6, f"{cell} = {value[cell]} is exposed"
        assert low - 1e-6 <= value[cell] and (high is None or value[cell] <= high + 1e-6)


def test_a_small_cell_hides_a_rectangle_around_it_and_the_totals_stay_shown():
    _system, hidden = grid_system([[[5, 20], [30, 40]]])

    assert hidden == {
        key(r="0", d0="0"),
        key(r="0", d0="1"),
        key(r="1", d0="0"),
        key(r="1", d0="1"),
    }


def test_a_table_with_nothing_small_hides_nothing():
    _system, hidden = grid_system([[[15, 20], [30, 40]]])

    assert hidden == set()


def test_a_small_row_total_is_hidden_with_a_partner_in_the_column_of_totals():
    _system, hidden = grid_system([[[0, 3], [30, 40], [50, 12]]])

    assert {key(r="0", d0="1"), key(r="0")} <= hidden
    other_totals = {key(r="1"), key(r="2")}
    assert hidden & other_totals, "one more row total hides the first from the grand total"


def test_the_threshold_is_at_least_one():
    system, _hidden = grid_system([[[1]]])

    with pytest.raises(ValueError, match="at least 1"):
        hidden_cells(system, threshold=0)


def test_counts_outside_the_declared_domain_are_refused():
    with pytest.raises(ValueError, match="not in the domain"):
        tabulate([({"r": "9"}, 3)], [("r",)], {"r": ["0", "1"]})


def test_a_domain_that_lists_a_value_twice_is_refused():
    # Every sum would count the value twice and disagree with its total.
    with pytest.raises(ValueError, match="lists a value twice"):
        tabulate([({"r": "1"}, 3)], [("r",)], {"r": ["0", "1", "1"]})


def test_tables_cut_from_the_same_records_share_their_margins():
    records = [
        ({"month": "2026-01", "category": "force", "channel": "online"}, 4),
        ({"month": "2026-01", "category": "conduct", "channel": "phone"}, 30),
        ({"month": "2026-02", "category": "force", "channel": "phone"}, 12),
    ]
    domains = {
        "month": ["2026-01", "2026-02"],
        "category": ["force", "conduct"],
        "channel": ["online", "phone"],
    }
    system = tabulate(records, [("month", "category"), ("month", "channel")], domains)

    assert system.counts[key(month="2026-01")] == 34
    assert system.counts[key(month="2026-02", channel="online")] == 0
    assert system.counts[()] == 46
    month_totals = [s for s in system.sums if s.total == () and len(s.parts) == 2]
    grand_by_month = [s for s in month_totals if s.parts[0] == key(month="2026-01")]
    assert len(grand_by_month) == 1, "the identity both tables publish is declared once"
    hidden = hidden_cells(system)
    assert key(month="2026-01", category="force") in hidden
    assert key(month="2026-01", channel="online") in hidden


def test_months_that_add_up_to_a_shown_year_cannot_give_away_a_hidden_month():
    # Years are shown by channel and months one by one. The smallest shown month is in 2025, so
    # without the rollup it would be the partner of the small month of 2026, and 2026's total
    # minus its other months would give the small one away.
    records = [
        ({"month": "2025-12", "channel": "online"}, 12),
        ({"month": "2026-01", "channel": "online"}, 40),
        ({"month": "2026-02", "channel": "online"}, 4),
        ({"month": "2026-03", "channel": "phone"}, 50),
    ]
    domains = {
        "month": ["2025-12", "2026-01", "2026-02", "2026-03"],
        "year": ["2025", "2026"],
        "channel": ["online", "phone"],
    }
    system = tabulate(
        records,
        [("month",), ("year", "channel")],
        domains,
        rollups={"month": ("year", lambda month: month[:4])},
    )

    assert system.counts[key(year="2026", channel="online")] == 44
    hidden = hidden_cells(system)
    months_of_2026 = {key(month=m) for m in domains["month"] if m.startswith("2026")}
    assert key(month="2026-02") in hidden
    assert len(hidden & months_of_2026) >= 2
