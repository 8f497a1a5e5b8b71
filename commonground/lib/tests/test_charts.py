import re

from commonground.lib.charts import Interval, intervals


def test_a_chart_is_one_named_image_with_real_text_and_no_script():
    svg = intervals(
        [Interval("Black", 1.8, 1.7, 1.9), Interval("Hispanic & other", 1.2, 1.1, 1.3)],
        axis_title="Stop rate as a multiple",
        summary='Rates "compared" <with> white',
        reference=1,
        log_scale=True,
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-label="Rates &quot;compared&quot; &lt;with&gt; white"' in svg
    assert "<script" not in svg
    assert ">Black</text>" in svg and ">Hispanic &amp; other</text>" in svg
    # Only the root is named: the marks are not read one by one.
    assert svg.count("aria-label") == 1
    assert re.search(r'viewBox="0 0 [\d.]+ [\d.]+"', svg)


def test_a_ratio_axis_is_centred_on_the_reference():
    svg = intervals(
        [Interval("Black", 0.82, 0.77, 0.87)],
        axis_title="Odds",
        summary="Odds",
        reference=1,
        log_scale=True,
    )
    ticks = {float(t) for t in re.findall(r">(\d+(?:\.\d+)?)</text>", svg)}
    # A reach of 1.25 x 1.15 either side of 1: from about 0.7 to about 1.44.
    assert min(ticks) >= 0.69 and max(ticks) <= 1.44
    assert 1.0 in ticks
