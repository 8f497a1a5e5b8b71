import csv
import io

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from commonground.lib.spreadsheet import SafeWriter, neutralise, neutralise_frame


def test_cells_a_spreadsheet_would_run_as_formulas_become_text():
    for dangerous in ("=1+1", "+1", "-2+3", "@SUM(A1)", "\t=x", "\r=x", '=HYPERLINK("x")'):
        assert neutralise(dangerous) == "'" + dangerous
    for harmless in ("Main St", "", "1-2", "a=b", "'=already"):
        assert neutralise(harmless) == harmless
    assert neutralise(-5) == -5  # a number is a number


@given(st.lists(st.text(max_size=12), max_size=20))
def test_a_frame_is_neutralised_cell_by_cell_as_the_writer_does(values):
    frame = pl.DataFrame(
        {"text": values, "n": list(range(len(values)))}, schema={"text": pl.String, "n": pl.Int64}
    )
    safe = neutralise_frame(frame)
    assert safe["text"].to_list() == [neutralise(v) for v in values]
    assert safe["n"].to_list() == frame["n"].to_list()


def test_the_safe_writer_neutralises_every_text_cell():
    buffer = io.StringIO()
    SafeWriter(buffer).writerows([["=cmd|' /C calc'!A0", 3, "ok"]])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == ["'=cmd|' /C calc'!A0", "3", "ok"]
