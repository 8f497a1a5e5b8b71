"""Charts rendered on the server as SVG with real text (Altair to Vega-Lite, vl-convert to SVG).

Every chart is one image to assistive technology, named by a plain-language summary; the page
always shows the same numbers in a table beside it. No script runs in the browser.

Each chart is drawn twice, at two widths, and the page's style sheet shows the one that fits
(`.chart-wide` from 42rem, `.chart-narrow` below): an SVG scaled down to fit a phone would shrink
its text with it, to 7 or 8 pixels. The narrow one is drawn at a phone's width, so its text is
shown at the size it was drawn (13 px), with long labels wrapped onto lines rather than cut off.
The hidden copy is `display: none`, which screen readers skip too, so the chart is read once.
"""

import datetime
import math
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import altair as alt
import vl_convert
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
INK = "#1f2933"
BRAND = "#1d4f91"
ACCENT = "#b3541e"
MUTED = "#52606d"
SUPPRESSED = "#cbd2d9"
# The whole chart's width in CSS pixels, labels and legend included: the desktop column (48rem
# less its margins) and a 390 px phone's column (less the page's margins).
WIDTH = 640
NARROW = 340
# Characters per line of a label before it wraps, at each width.
LABEL_CHARS = {WIDTH: 30, NARROW: 16}

_SIZE = re.compile(r'^<svg([^>]*?) width="([\d.]+)" height="([\d.]+)"([^>]*)>')
_MARK_ARIA = re.compile(r' (?:role|aria-roledescription|aria-label|aria-hidden)="[^"]*"')
# Labels may hold line breaks (see `_wrap`): the axis draws each line on its own.
_LINES = "split(datum.value, '\\n')"


@dataclass(frozen=True)
class Interval:
    """One labelled figure with its 95% interval; `series` tells points apart (e.g. daylight)."""

    label: str
    value: float
    low: float
    high: float
    series: str = ""


def _config(chart: alt.Chart) -> alt.Chart:
    return (
        chart.configure(font=FONT)
        .configure_axis(
            labelFontSize=13,
            titleFontSize=13,
            labelColor=INK,
            titleColor=INK,
            labelLimit=260,
            # Labels are measured on the server, with a font the reader may lack: hide any that
            # would come within 8 px of another rather than risk them touching.
            labelOverlap="greedy",
            labelSeparation=8,
            labelLineHeight=15,
        )
        .configure_legend(labelFontSize=13, titleFontSize=13, orient="bottom", labelLimit=300)
        .configure_view(stroke=None)
    )


def _locale() -> dict:
    """Numbers and month names in the reader's language, as the tables beside the chart."""
    language = (get_language() or "en").split("-")[0]
    name = {"es": "es-ES"}.get(language, "en-US")
    return {"format_locale": name, "time_format_locale": name}


def _svg(chart: alt.Chart, width: int) -> tuple[str, str]:
    """One drawing: its root's attributes and size, and the rest of the SVG."""
    sized = chart.properties(
        width=width, autosize=alt.AutoSizeParams(type="fit-x", contains="padding")
    )
    svg = vl_convert.vegalite_to_svg(_config(sized).to_json(), **_locale())
    # Only the root names the image: the marks' own roles would make screen readers read every
    # tick and point, which the table beside the chart says better.
    svg = _MARK_ARIA.sub("", svg)
    match = _SIZE.match(svg)
    if not match:
        raise ValueError("vl-convert returned an SVG without a size")
    attrs, w, h, more = match.groups()
    attrs = re.sub(r' (?:class|viewBox)="[^"]*"', "", attrs + more)
    return f'{attrs} viewBox="0 0 {w} {h}"', svg[match.end() :]


def to_svg(build: Callable[[int], alt.Chart], *, summary: str) -> SafeString:
    """The chart as inline SVG, drawn at the desktop's width and at a phone's (`build(width)`
    gives the chart for a width); each scales down with its container, one image named by
    `summary`."""
    parts = []
    for width, variant in ((WIDTH, "chart-wide"), (NARROW, "chart-narrow")):
        attrs, body = _svg(build(width), width)
        parts.append(
            f'<svg{attrs} class="chart {variant}" role="img" '
            f'aria-label="{escape(summary)}" focusable="false">{body}'
        )
    return mark_safe("".join(parts))  # noqa: S308 (vl-convert escapes its text)  # nosec B308 B703


def _wrap(label: str, width: int) -> str:
    """A label broken into lines that fit beside the chart, never cut off."""
    return "\n".join(textwrap.wrap(label, LABEL_CHARS[width], break_long_words=False)) or label


def _title(title: str, width: int, chars: int | None = None) -> str | list[str]:
    """An axis or legend title on lines that fit the chart: a long one would otherwise either
    be cut off or, as the chart fits its width, squeeze the plot to nothing."""
    lines = textwrap.wrap(str(title), chars or width // 10) or [""]
    return lines if len(lines) > 1 else lines[0]


def _title_anchor(width: int) -> str | None:
    """On a phone a value axis's title ends at the plot's right edge and reaches left over the
    labels: centred under a narrow plot, a long one would run off both sides."""
    return "end" if width == NARROW else None


def _label_axis(width: int) -> alt.Axis:
    # Every row is labelled: rows are made tall enough for their labels (`_row`), so none may
    # be dropped as overlapping.
    return alt.Axis(labelExpr=_LINES, labelLimit=LABEL_CHARS[width] * 9, labelOverlap=False)


def _ticks(width: int) -> int:
    """How many ticks a value axis aims for: fewer on a phone, so labels keep apart."""
    return 5 if width == WIDTH else 3


def count_ticks(largest: float, width: int) -> list[int]:
    """Whole-number ticks from 0 past `largest`, at most `_ticks(width)` + 1 of them, on a
    round step (1, 2 or 5 times a power of ten). Chosen here rather than left to the renderer,
    which measures labels with its own font and may put "30,000" on top of "35,000"."""
    most = _ticks(width)
    step = 1
    for power in range(0, 16):
        for multiple in (1, 2, 5):
            step = multiple * 10**power
            if largest / step <= most:
                return list(range(0, int(largest) + step, step))
    return [0, step]


def _row(labels: list[str], width: int, least: int) -> int:
    """The height of each row (rows are equal): at least `least`, and room for the label with
    the most lines, so a wrapped label never runs into the next."""
    lines = max((_wrap(label, width).count("\n") + 1 for label in labels), default=1)
    return max(least, 16 * lines + 8)


# Ticks of a ratio axis: doublings and halvings, or finer steps when the range is narrow; each
# step up has its reciprocal step down, so 0.5 sits as far from 1 as 2 does.
DOUBLINGS = [2.0**k for k in range(-8, 9)]
HALF_STEPS = sorted(
    [*DOUBLINGS, *(1.5 * 2.0**k for k in range(8)), *(2 / 3 / 2.0**k for k in range(8))]
)
FINE_STEPS = [0.5, 2 / 3, 0.8, 1.0, 1.25, 1.5, 2.0]


def ratio_ticks(low: float, high: float, *, narrow: bool = False) -> list[float]:
    """Tick values for a log-scale ratio axis from `low` to `high`, every one labelled; fewer
    on a phone's narrow chart, so that labels keep apart."""
    ticks = [t for t in DOUBLINGS if low <= t <= high]
    if len(ticks) < (3 if narrow else 5):
        ticks = [t for t in HALF_STEPS if low <= t <= high]
    if len(ticks) < 3:
        ticks = [t for t in FINE_STEPS if low <= t <= high]
    while len(ticks) > (5 if narrow else 7):  # a very wide range: every other doubling, and 1
        ticks = [t for t in ticks if math.log2(t) % 2 == 0]
    return ticks


def intervals(
    points: list[Interval],
    *,
    axis_title: str,
    summary: str,
    reference: float | None = None,
    log_scale: bool = False,
    series_title: str = "",
) -> SafeString:
    """Points with their 95% intervals, one row per label: the shape every analysis uses."""
    labels = list(dict.fromkeys(p.label for p in points))
    domain: list[float] = []
    if log_scale and reference is not None:
        # Centred on the reference, so a ratio of 0.8 sits as far from 1 as one of 1.25 does,
        # and wide enough for every interval, with room for the ends' labels.
        reach = max(max(reference / p.low, p.high / reference) for p in points)
        reach = max(reach, 1.25) * 1.15
        domain = [reference / reach, reference * reach]
        scale = alt.Scale(type="log", domain=domain, nice=False)
    elif log_scale:
        scale = alt.Scale(type="log")
    else:
        scale = alt.Scale(zero=False)
    has_series = any(p.series for p in points)
    series = list(dict.fromkeys(p.series for p in points))

    def build(width: int) -> alt.Chart:
        rows = [
            {
                "label": _wrap(p.label, width),
                "value": p.value,
                "low": p.low,
                "high": p.high,
                "series": p.series,
            }
            for p in points
        ]
        axis = (
            alt.Axis(
                values=ratio_ticks(*domain, narrow=width == NARROW),
                format=".2~r",
                labelOverlap=False,
                titleAnchor=_title_anchor(width),
            )
            if log_scale and reference is not None
            else alt.Axis(tickCount=_ticks(width), titleAnchor=_title_anchor(width))
        )
        x = alt.X("value:Q", title=_title(axis_title, width), scale=scale, axis=axis)
        wrapped = [_wrap(label, width) for label in labels]
        y = alt.Y("label:N", title=None, sort=wrapped, axis=_label_axis(width))
        offset = {"yOffset": alt.YOffset("series:N", sort=None)} if has_series else {}
        colour = _series_colour(series, series_title, width) if has_series else alt.value(BRAND)
        base = alt.Chart(alt.Data(values=rows))
        rules = base.mark_rule(strokeWidth=2).encode(
            y=y, x=alt.X("low:Q", scale=scale), x2="high:Q", color=colour, **offset
        )
        dots = base.mark_point(filled=True, size=70).encode(y=y, x=x, color=colour, **offset)
        layers = [rules, dots]
        if reference is not None:
            at = alt.Chart(alt.Data(values=[{"at": reference, "text": _("no difference")}]))
            layers[:0] = [
                at.mark_rule(strokeDash=[4, 4], color=MUTED).encode(x=alt.X("at:Q", scale=scale)),
                # Said where the eye is, not only in the title: right of 1 is more, left less.
                at.mark_text(
                    align="left", baseline="top", dx=4, y=0, color=MUTED, fontSize=12
                ).encode(x=alt.X("at:Q", scale=scale), text="text:N"),
            ]
        factor = max(2, 0.75 * len(series)) if has_series else 1
        height = max(60, round(_row(labels, width, 34) * len(labels) * factor))
        return alt.layer(*layers).properties(height=height)

    return to_svg(build, summary=summary)


SERIES_COLOURS = [BRAND, ACCENT, MUTED, "#3f7d4e"]


def _series_colour(series: list[str], title: str, width: int) -> alt.Color:
    """One colour per series, in the order given, the same in every chart; the legend's title
    wraps onto lines that fit the width rather than being cut off."""
    return alt.Color(
        "series:N",
        # The legend starts where the plot does, right of the row labels: on a phone its title
        # has about half the width.
        title=_title(title, width, width // (18 if width == NARROW else 10)),
        sort=series,
        scale=alt.Scale(domain=series, range=SERIES_COLOURS[: len(series)]),
        # On a phone the entries go one under another: side by side they run off the edge.
        legend=alt.Legend(
            titleLimit=width - 20,
            labelLimit=width - 40,
            direction="vertical" if width == NARROW else "horizontal",
        ),
    )


@dataclass(frozen=True)
class Bar:
    """One count; `value` None when suppressed (left out of the chart, said in the table)."""

    label: str
    value: int | None
    series: str = ""


def bars(points: list[Bar], *, axis_title: str, summary: str, series_title: str = "") -> SafeString:
    """Horizontal bars, one row per label (grouped by series when there is more than one)."""
    labels = list(dict.fromkeys(p.label for p in points))
    series = list(dict.fromkeys(p.series for p in points))
    grouped = len(series) > 1

    def build(width: int) -> alt.Chart:
        rows = [
            {"label": _wrap(p.label, width), "value": p.value, "series": p.series}
            for p in points
            if p.value is not None
        ]
        wrapped = [_wrap(label, width) for label in labels]
        colour = _series_colour(series, series_title, width) if grouped else alt.value(BRAND)
        offset = {"yOffset": alt.YOffset("series:N", sort=series)} if grouped else {}
        largest = max((p.value for p in points if p.value is not None), default=1) or 1
        ticks = count_ticks(largest, width)
        per_row = _row(labels, width, max(26, 18 * len(series)) if grouped else 26)
        height = max(60, per_row * len(labels))
        return (
            alt.Chart(alt.Data(values=rows))
            .mark_bar()
            .encode(
                y=alt.Y(
                    "label:N",
                    title=None,
                    sort=wrapped,
                    scale=alt.Scale(domain=wrapped),
                    axis=_label_axis(width),
                ),
                x=alt.X(
                    "value:Q",
                    title=_title(axis_title, width),
                    axis=alt.Axis(format=",d", values=ticks, titleAnchor=_title_anchor(width)),
                    # From 0 to the last tick, even when every count is 0 or suppressed.
                    scale=alt.Scale(domain=[0, ticks[-1]]),
                ),
                color=colour,
                **offset,
            )
            .properties(height=height)
        )

    return to_svg(build, summary=summary)


MONTH, QUARTER, YEAR = "month", "quarter", "year"


@dataclass(frozen=True)
class Point:
    """One period's count (`month` as YYYY-MM, or a year as YYYY); None when suppressed: the
    chart marks the period as suppressed rather than leaving an unexplained gap."""

    month: str
    value: int | None


def _period_start(value: str) -> datetime.date:
    return datetime.date(int(value[:4]), int(value[5:7]) if len(value) > 4 else 1, 1)


def _period_end(start: datetime.date, grain: str) -> datetime.date:
    if grain == YEAR:
        return start.replace(year=start.year + 1)
    return (start + datetime.timedelta(days=32)).replace(day=1)


def trend(
    points: list[Point],
    *,
    axis_title: str,
    summary: str,
    grain: str = MONTH,
    suppressed_label: str = "",
) -> SafeString:
    """A count over time, a point per period; a suppressed period is a shaded band, named in
    the legend, so a gap never looks like missing data or like zero."""
    suppressed_label = suppressed_label or _("Suppressed to protect the people in it")
    rows = []
    for p in points:
        start = _period_start(p.month)
        rows.append(
            {
                "at": start.isoformat(),
                "end": _period_end(start, grain).isoformat(),
                "value": p.value,
                "status": suppressed_label,
            }
        )
    any_suppressed = any(p.value is None for p in points)
    # The legend names the bands; the line is the count, as the axis title says.
    bands = alt.Color(
        "status:N",
        title=None,
        scale=alt.Scale(domain=[suppressed_label], range=[SUPPRESSED]),
        legend=alt.Legend(symbolType="square"),
    )
    time_format = "%Y" if grain == YEAR else "%b %Y"
    largest = max((p.value for p in points if p.value is not None), default=1) or 1

    def build(width: int) -> alt.Chart:
        ticks = max(2, min(len(points), 6 if width == WIDTH else 3))
        x = alt.X(
            "at:T",
            title=None,
            axis=alt.Axis(format=time_format, labelAngle=0, tickCount=ticks, labelFlush=True),
        )
        data = alt.Data(values=rows)
        layers = []
        if any_suppressed:
            layers.append(
                alt.Chart(data)
                .transform_filter("datum.value === null")
                .mark_rect(opacity=0.7)
                .encode(x=x, x2="end:T", color=bands)
            )
        layers.append(
            alt.Chart(data)
            .mark_line(point=True, color=BRAND, invalid="break-paths-show-domains")
            .encode(
                x=x,
                y=alt.Y(
                    "value:Q",
                    title=_title(axis_title, 220),
                    axis=alt.Axis(format=",d", values=count_ticks(largest, width)),
                    scale=alt.Scale(domain=[0, count_ticks(largest, width)[-1]]),
                ),
            )
        )
        return alt.layer(*layers).properties(height=220)

    return to_svg(build, summary=summary)
