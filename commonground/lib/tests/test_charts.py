import re

from commonground.lib.charts import NARROW, Bar, Interval, Point, bars, intervals, trend

SVG = re.compile(r"<svg[^>]*>.*?</svg>", re.S)


def drawings(svg: str) -> list[str]:
    return SVG.findall(svg)


def texts(svg: str) -> list[str]:
    """Every line of text drawn, a wrapped label's lines one by one."""
    return [t for t in re.findall(r">([^<>]+)</t(?:ext|span)>", svg) if t.strip()]


def test_a_chart_is_one_named_image_with_real_text_and_no_script():
    svg = intervals(
        [Interval("Black", 1.8, 1.7, 1.9), Interval("Hispanic & other", 1.2, 1.1, 1.3)],
        axis_title="Stop rate as a multiple",
        summary='Rates "compared" <with> white',
        reference=1,
        log_scale=True,
    )
    assert svg.startswith("<svg") and "<script" not in svg
    # Drawn for a desktop and for a phone; the page shows one (site.css), and each is one
    # image, named once: the marks are not read one by one.
    wide, narrow = drawings(svg)
    for drawn in (wide, narrow):
        assert 'role="img"' in drawn
        assert 'aria-label="Rates &quot;compared&quot; &lt;with&gt; white"' in drawn
        assert drawn.count("aria-label") == 1
        assert ">Black</text>" in drawn and "Hispanic &amp; other" in drawn
        assert re.search(r'viewBox="0 0 [\d.]+ [\d.]+"', drawn)
    assert 'class="chart chart-wide"' in wide and 'class="chart chart-narrow"' in narrow


def ticks(svg: str) -> list[float]:
    return sorted({float(t) for t in re.findall(r">(\d+(?:\.\d+)?)</text>", drawings(svg)[0])})


def test_a_ratio_axis_is_centred_on_the_reference_and_marks_no_difference():
    svg = intervals(
        [Interval("Black", 0.82, 0.77, 0.87)],
        axis_title="Odds",
        summary="Odds",
        reference=1,
        log_scale=True,
    )
    # A reach of 1.25 x 1.15 either side of 1: from about 0.7 to about 1.44.
    assert min(ticks(svg)) >= 0.69 and max(ticks(svg)) <= 1.44
    assert 1.0 in ticks(svg)
    assert "no difference" in texts(svg)


def test_a_ratio_axis_labels_ticks_above_one_wherever_the_data_reaches():
    """The largest disparities must not sit in unlabelled space: between 1 and the largest
    interval's end there are labelled ticks, on both sides of 1, at both widths."""
    for high in (1.7, 1.95, 3.4, 7.5, 30):
        svg = intervals(
            [Interval("Black", high * 0.9, high * 0.8, high), Interval("Asian", 0.9, 0.8, 1.0)],
            axis_title="Times the white rate",
            summary="Ratios",
            reference=1,
            log_scale=True,
        )
        for drawn in drawings(svg):
            labelled = sorted({float(t) for t in re.findall(r">(\d+(?:\.\d+)?)</text>", drawn)})
            above = [t for t in labelled if t > 1]
            assert above and max(above) >= high / 2.1, (high, labelled)
            assert [t for t in labelled if t < 1], (high, labelled)


def test_a_phone_gets_a_drawing_of_its_own_width_with_long_labels_wrapped_not_cut():
    label = "Closed administratively after the complainant withdrew"
    svg = bars([Bar(label, 40), Bar("Sustained", 12)], axis_title="Complaints", summary="s")
    wide, narrow = drawings(svg)
    width = float(re.search(r'viewBox="0 0 ([\d.]+)', narrow).group(1))
    # Shown at its own size on a 390 px phone: 13 px text stays 13 px.
    assert width <= NARROW
    assert 'font-size="13px"' in narrow or "font-size: 13px" in narrow
    for drawn in (wide, narrow):
        assert "…" not in drawn
        assert " ".join(t for t in texts(drawn) if t in label) == label


def test_every_row_is_labelled_at_both_widths_none_hidden_as_overlapping():
    labels = [
        "Sustained",
        "Policy failure",
        "Not sustained",
        "Exonerated",
        "Unfounded",
        "Closed administratively",
        "No finding yet",
    ]
    svg = bars([Bar(label, 0) for label in labels], axis_title="Allegations", summary="s")
    for drawn in drawings(svg):
        # Vega hides a label it thinks overlaps another by drawing it transparent.
        assert 'opacity="0"' not in drawn
        shown = " ".join(texts(drawn))
        assert all(word in shown for label in labels for word in label.split())


def test_a_suppressed_period_is_marked_and_named_in_the_legend_not_left_as_a_gap():
    points = [Point("2024-01", 30), Point("2024-02", None), Point("2024-03", 25)]
    svg = trend(points, axis_title="Incidents", summary="s", suppressed_label="Suppressed")
    for drawn in drawings(svg):
        assert "Suppressed" in texts(drawn)
        assert "#cbd2d9" in drawn  # the band over the suppressed month
    shown = trend([Point("2024-01", 30), Point("2024-02", 31)], axis_title="I", summary="s")
    assert "#cbd2d9" not in shown and "Suppressed" not in texts(shown)
