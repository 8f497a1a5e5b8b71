"""Charts rendered on the server as SVG with real text (Altair to Vega-Lite, vl-convert to SVG).

Every chart is one image to assistive technology, named by a plain-language summary; the page
always shows the same numbers in a table beside it. No script runs in the browser.
"""

import re
from dataclasses import dataclass

import altair as alt
import vl_convert
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
INK = "#1f2933"
BRAND = "#1d4f91"
ACCENT = "#b3541e"
MUTED = "#52606d"
WIDTH = 560

_SIZE = re.compile(r'^<svg([^>]*?) width="([\d.]+)" height="([\d.]+)"([^>]*)>')
_MARK_ARIA = re.compile(r' (?:role|aria-roledescription|aria-label|aria-hidden)="[^"]*"')


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
            labelFontSize=13, titleFontSize=13, labelColor=INK, titleColor=INK, labelLimit=260
        )
        .configure_legend(labelFontSize=13, titleFontSize=13, orient="bottom")
        .configure_view(stroke=None)
    )


def to_svg(chart: alt.Chart, *, summary: str) -> SafeString:
    """The chart as inline SVG: scales with its container, one image named by `summary`."""
    svg = vl_convert.vegalite_to_svg(_config(chart).to_json())
    # Only the root names the image: the marks' own roles would make screen readers read every
    # tick and point, which the table beside the chart says better.
    svg = _MARK_ARIA.sub("", svg)
    match = _SIZE.match(svg)
    if not match:
        raise ValueError("vl-convert returned an SVG without a size")
    attrs, width, height, more = match.groups()
    attrs = re.sub(r' (?:class|viewBox)="[^"]*"', "", attrs + more)
    root = (
        f'<svg{attrs} viewBox="0 0 {width} {height}" class="chart" role="img" '
        f'aria-label="{escape(summary)}" focusable="false">'
    )
    return mark_safe(root + svg[match.end() :])  # noqa: S308 (vl-convert escapes its text)  # nosec B308 B703


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
    rows = [
        {"label": p.label, "value": p.value, "low": p.low, "high": p.high, "series": p.series}
        for p in points
    ]
    data = alt.Data(values=rows)
    labels = list(dict.fromkeys(p.label for p in points))
    if log_scale and reference is not None:
        # Centred on the reference, so a ratio of 0.8 sits as far from 1 as one of 1.25 does.
        reach = max(max(reference / p.low, p.high / reference) for p in points)
        reach = max(reach, 1.25) * 1.15
        scale = alt.Scale(type="log", domain=[reference / reach, reference * reach], nice=False)
    elif log_scale:
        scale = alt.Scale(type="log")
    else:
        scale = alt.Scale(zero=False)
    x = alt.X("value:Q", title=axis_title, scale=scale)
    y = alt.Y("label:N", title=None, sort=labels)
    has_series = any(p.series for p in points)
    offset = {"yOffset": alt.YOffset("series:N", sort=None)} if has_series else {}
    series = list(dict.fromkeys(p.series for p in points))
    colour = _series_colour(series, series_title) if has_series else alt.value(BRAND)
    base = alt.Chart(data)
    rules = base.mark_rule(strokeWidth=2).encode(
        y=y, x=alt.X("low:Q", scale=scale), x2="high:Q", color=colour, **offset
    )
    dots = base.mark_point(filled=True, size=70).encode(y=y, x=x, color=colour, **offset)
    layers = [rules, dots]
    if reference is not None:
        layers.insert(
            0,
            alt.Chart(alt.Data(values=[{"at": reference}]))
            .mark_rule(strokeDash=[4, 4], color=MUTED)
            .encode(x=alt.X("at:Q", scale=scale)),
        )
    height = max(60, 34 * len(labels) * (2 if has_series else 1))
    chart = alt.layer(*layers).properties(width=WIDTH, height=height)
    return to_svg(chart, summary=summary)


SERIES_COLOURS = [BRAND, ACCENT, MUTED, "#3f7d4e"]


def _series_colour(series: list[str], title: str) -> alt.Color:
    """One colour per series, in the order given, the same in every chart."""
    return alt.Color(
        "series:N",
        title=title,
        sort=series,
        scale=alt.Scale(domain=series, range=SERIES_COLOURS[: len(series)]),
    )


@dataclass(frozen=True)
class Bar:
    """One count; `value` None when suppressed (left out of the chart, said in the table)."""

    label: str
    value: int | None
    series: str = ""


def bars(points: list[Bar], *, axis_title: str, summary: str, series_title: str = "") -> SafeString:
    """Horizontal bars, one row per label (grouped by series when there is more than one)."""
    rows = [{"label": p.label, "value": p.value, "series": p.series} for p in points]
    labels = list(dict.fromkeys(p.label for p in points))
    series = list(dict.fromkeys(p.series for p in points))
    grouped = len(series) > 1
    colour = _series_colour(series, series_title) if grouped else alt.value(BRAND)
    offset = {"yOffset": alt.YOffset("series:N", sort=series)} if grouped else {}
    chart = (
        alt.Chart(alt.Data(values=[r for r in rows if r["value"] is not None]))
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort=labels, scale=alt.Scale(domain=labels)),
            x=alt.X("value:Q", title=axis_title),
            color=colour,
            **offset,
        )
        .properties(width=WIDTH, height=max(60, 26 * len(labels) * (len(series) if grouped else 1)))
    )
    return to_svg(chart, summary=summary)


@dataclass(frozen=True)
class Point:
    """One month's count (`month` as YYYY-MM); None when suppressed: the line breaks there."""

    month: str
    value: int | None


def trend(points: list[Point], *, axis_title: str, summary: str) -> SafeString:
    rows = [{"month": f"{p.month}-01", "value": p.value} for p in points]
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=True, color=BRAND, invalid="break-paths-show-domains")
        .encode(
            x=alt.X(
                "month:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=6)
            ),
            y=alt.Y("value:Q", title=axis_title),
        )
        .properties(width=WIDTH, height=220)
    )
    return to_svg(chart, summary=summary)
