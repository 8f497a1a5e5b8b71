"""A monthly trend a reader can use: drawn by month when most months are shown, by year when
most months are suppressed (so the line is not mostly gaps), and every suppressed period marked
as such in the chart and the table rather than left as an unexplained gap."""

import re

import polars as pl

from commonground.publish import datasets as ds
from commonground.publish.dashboards import BY_SLUG, SHOWN_ENOUGH, draw

PANEL = next(p for p in BY_SLUG["use-of-force"].panels if p.dataset == "use-of-force-by-month")
MONTHS = [f"{2021 + i // 12}-{i % 12 + 1:02d}" for i in range(38)]  # Jan 2021 to Feb 2024


def monthly(counts: list[int | None]) -> pl.DataFrame:
    shown = [c for c in counts if c is not None]
    return pl.DataFrame(
        {
            "month": [*MONTHS, ds.ALL],
            "count": [*counts, sum(shown) + 40],
            "suppressed": [c is None for c in counts] + [False],
        },
        schema={"month": pl.String, "count": pl.Int64, "suppressed": pl.Boolean},
    )


YEARLY = pl.DataFrame(
    {
        "year": ["2021", "2022", "2023", "2024", ds.ALL, "2021", "2022"],
        "district": [ds.ALL] * 5 + ["D1", "D1"],
        "count": [96, 104, 88, 15, 303, 50, None],
        "suppressed": [False] * 6 + [True],
    }
)


def read(slug: str) -> pl.DataFrame | None:
    return YEARLY if slug == "use-of-force-by-district" else None


def test_a_trend_whose_months_are_mostly_suppressed_is_drawn_by_year():
    # As in the demo data: 27 of 38 months have too few incidents to show.
    counts = [None] * 27 + [12 + i for i in range(11)]
    drawn = draw(PANEL, monthly(counts), read)

    assert drawn.table.row_title == "Year"
    assert [label for label, _cells in drawn.table.rows] == ["2021", "2022", "2023", "2024"]
    shown = [cells for _label, cells in drawn.table.rows if cells != ["suppressed"]]
    assert len(shown) >= SHOWN_ENOUGH * len(drawn.table.rows)
    assert drawn.table.total == ("All together", ["303"])
    assert drawn.summary.startswith("Shown by year")
    assert ">2022</text>" in drawn.chart
    # Only the yearly totals: a district's year is another table's business.
    assert "50" not in [c for _l, cells in drawn.table.rows for c in cells]


def test_a_trend_with_few_suppressed_months_stays_monthly_and_marks_them():
    counts = [20 + i for i in range(38)]
    counts[5] = counts[17] = None
    drawn = draw(PANEL, monthly(counts), read)

    assert drawn.table.row_title == "Month"
    assert len(drawn.table.rows) == 38
    assert dict(drawn.table.rows)["June 2021"] == ["suppressed"]
    # Marked in the chart, at both widths, and named in its legend.
    assert drawn.chart.count("Suppressed to protect the people in it") == 2
    assert len(re.findall(r'fill="#cbd2d9"', drawn.chart)) >= 4
    assert "2 figures are suppressed" in drawn.summary


def test_without_a_yearly_table_the_months_are_drawn_with_their_gaps_marked():
    counts = [None] * 27 + [12 + i for i in range(11)]
    drawn = draw(PANEL, monthly(counts))
    assert drawn.table.row_title == "Month"
    assert "Suppressed to protect the people in it" in drawn.chart
