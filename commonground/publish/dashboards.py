"""The public dashboards: each panel is one released dataset, drawn as a chart, given as a table
with the same numbers, and said in a sentence. Panels read only the release, so a page costs the
same with ten thousand complaints as with a million, and the figures match the bulk files."""

from dataclasses import dataclass, field

import polars as pl
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from commonground.lib import charts
from commonground.publish import datasets as ds

TREND, BARS, INTERVALS = "trend", "bars", "intervals"


@dataclass(frozen=True)
class Panel:
    dataset: str
    chart: str
    # The dimension along the chart's axis (a table's rows), and optionally one drawn as series
    # (the table's columns); `where` picks the other dimensions' values (usually the totals).
    axis: str
    title: Promise
    axis_title: Promise
    series: str = ""
    where: dict[str, str] = field(default_factory=dict)
    # For intervals: what 1 (or 0) means, and whether the axis is a ratio (log scale).
    reference: float | None = None
    log_scale: bool = False

    @property
    def slug(self) -> str:
        return "-".join([self.dataset, *self.where.values()]).replace("_", "-")


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: Promise
    intro: Promise
    panels: tuple[Panel, ...]


ALL_YEARS = {"year": ds.ALL}

DASHBOARDS = [
    Dashboard(
        "complaints",
        _("Complaints"),
        _("Complaints about officers: how many come in, how they reach us, where and about what."),
        (
            Panel(
                "complaints-by-month",
                TREND,
                "month",
                _("Complaints received each month"),
                _("Complaints"),
            ),
            Panel(
                "complaints-closed-by-month",
                TREND,
                "month",
                _("Complaints closed each month"),
                _("Complaints"),
            ),
            Panel(
                "complaints-by-channel",
                BARS,
                "channel",
                _("How complaints reached us"),
                _("Complaints"),
                where=ALL_YEARS,
            ),
            Panel(
                "complaints-by-district",
                BARS,
                "district",
                _("Complaints by district"),
                _("Complaints"),
                where=ALL_YEARS,
            ),
            Panel(
                "allegations-by-category",
                BARS,
                "category",
                _("What the allegations were about"),
                _("Allegations"),
                where=ALL_YEARS,
            ),
        ),
    ),
    Dashboard(
        "outcomes",
        _("Outcomes and discipline"),
        _(
            "What investigations found, how long they took, whether the agency followed the civilian oversight board, and the discipline decided."
        ),
        (
            Panel(
                "findings-by-category",
                BARS,
                "finding",
                _("Findings on allegations"),
                _("Allegations"),
                where={"category": ds.ALL},
            ),
            Panel(
                "complaint-outcomes",
                BARS,
                "outcome",
                _("How complaints ended"),
                _("Complaints"),
                where=ALL_YEARS,
            ),
            Panel(
                "time-to-close",
                BARS,
                "days_to_close",
                _("Time to close a complaint"),
                _("Complaints"),
                where=ALL_YEARS,
            ),
            Panel(
                "board-agency-concurrence",
                BARS,
                "year",
                _("Did the agency follow the board?"),
                _("Decisions"),
                series="agency_decision",
            ),
            Panel(
                "discipline",
                BARS,
                "discipline",
                _("Discipline decided"),
                _("Allegations"),
                where=ALL_YEARS,
            ),
        ),
    ),
    Dashboard(
        "use-of-force",
        _("Use of force"),
        _("Incidents in which officers used force on a person, as the agency reports them."),
        (
            Panel(
                "use-of-force-by-month",
                TREND,
                "month",
                _("Use-of-force incidents each month"),
                _("Incidents"),
            ),
            Panel(
                "use-of-force-by-race",
                BARS,
                "subject_race",
                _("Use of force by race of the person"),
                _("Incidents"),
                where=ALL_YEARS,
            ),
            Panel(
                "use-of-force-injuries",
                BARS,
                "subject_race",
                _("Injuries, by race of the person"),
                _("Incidents"),
                series="subject_injured",
            ),
            Panel(
                "kinds-of-force",
                BARS,
                "force_type",
                _("Kinds of force used"),
                _("Times used"),
                where=ALL_YEARS,
            ),
        ),
    ),
    Dashboard(
        "stops",
        _("Stops and searches"),
        _(
            "Who is stopped and searched, compared with who lives here, and how often searches "
            "find anything. The city-wide comparison adds the districts together, so it mixes "
            "where police patrol most with how each group is treated; the comparison within the "
            "same district sets where aside. Where the two differ, much of the city-wide gap "
            "comes from where stops happen."
        ),
        (
            Panel(
                "stops-by-race",
                BARS,
                "subject_race",
                _("Stops by race"),
                _("Stops"),
                where=ALL_YEARS,
            ),
            Panel(
                "stop-disparities",
                INTERVALS,
                "group",
                _("Stop rate compared with white residents, the city as a whole"),
                _("Times the white stop rate"),
                where={"measure": "stop_ratio"},
                reference=1.0,
                log_scale=True,
            ),
            Panel(
                "stop-disparities",
                INTERVALS,
                "group",
                _("Stop rate compared with white residents of the same district"),
                _("Times the white stop rate in the same district"),
                where={"measure": "stop_ratio_standardised"},
                reference=1.0,
                log_scale=True,
            ),
            Panel(
                "stop-disparities",
                INTERVALS,
                "group",
                _("Searches that found contraband"),
                _("Share of searches"),
                where={"measure": "hit_rate"},
            ),
            Panel(
                "stop-disparities",
                INTERVALS,
                "group",
                _("Veil of darkness"),
                _("Odds of the group among stops after dark"),
                where={"measure": "darkness_odds_ratio"},
                reference=1.0,
                log_scale=True,
            ),
            Panel(
                "search-results-by-race",
                BARS,
                "subject_race",
                _("Searches and what they found"),
                _("Searches"),
                series="contraband_found",
            ),
        ),
    ),
    Dashboard(
        "commendations",
        _("Commendations"),
        _("Residents who wrote to thank an officer."),
        (
            Panel(
                "commendations-by-month",
                TREND,
                "month",
                _("Commendations received each month"),
                _("Commendations"),
            ),
            Panel(
                "commendations-by-district",
                BARS,
                "district",
                _("Commendations by district"),
                _("Commendations"),
                where=ALL_YEARS,
            ),
        ),
    ),
]
BY_SLUG = {d.slug: d for d in DASHBOARDS}


@dataclass
class Table:
    """The panel's numbers as an accessible table: a row per axis value, a column per series."""

    row_title: str
    columns: list[str]
    rows: list[tuple[str, list[str]]]
    total: tuple[str, list[str]] | None = None


@dataclass
class Drawn:
    panel: Panel
    title: str
    summary: str
    chart: str
    table: Table
    suppressed: int


def _count(value: int | None) -> str:
    return gettext("suppressed") if value is None else number_format(value, force_grouping=True)


def draw(panel: Panel, frame: pl.DataFrame) -> Drawn:
    for name, value in panel.where.items():
        frame = frame.filter(pl.col(name) == value)
    if panel.chart == INTERVALS:
        return _draw_intervals(panel, frame)
    axis = frame.filter(pl.col(panel.axis) != ds.ALL)
    totals = frame.filter(pl.col(panel.axis) == ds.ALL)
    if panel.series:
        axis = axis.filter(pl.col(panel.series) != ds.ALL)
        totals = totals.filter(pl.col(panel.series) != ds.ALL)

    axis_labels = ds.value_labels(panel.axis)
    series_labels = ds.value_labels(panel.series) if panel.series else None

    def label(value: str) -> str:
        if panel.chart == TREND and value == f"{timezone.localdate():%Y-%m}":
            return gettext("%(month)s (so far)") % {"month": axis_labels[value]}
        return capfirst(axis_labels[value])

    def series_label(value: str) -> str:
        return capfirst(series_labels[value]) if series_labels else ""

    series = axis[panel.series].unique(maintain_order=True).to_list() if panel.series else [""]
    rows = []
    for value in axis[panel.axis].unique(maintain_order=True).to_list():
        cells = axis.filter(pl.col(panel.axis) == value)
        counts = [
            (cells.filter(pl.col(panel.series) == s) if panel.series else cells)["count"][0]
            for s in series
        ]
        rows.append((value, counts))
    suppressed = sum(c is None for _v, counts in rows for c in counts)
    total = None
    if totals.height:
        total = [
            (totals.filter(pl.col(panel.series) == s) if panel.series else totals)["count"][0]
            for s in series
        ]
    title = str(panel.title)
    summary = _summarise(panel, rows, total, series, label, series_label, suppressed)
    if panel.chart == TREND:
        # The month under way would look like a sudden fall: the table gives it, marked.
        this_month = f"{timezone.localdate():%Y-%m}"
        chart = charts.trend(
            [charts.Point(v, counts[0]) for v, counts in rows if v != this_month],
            axis_title=str(panel.axis_title),
            summary=summary,
        )
        row_title = gettext("Month")
    else:
        chart = charts.bars(
            [
                charts.Bar(label(v), c, series_label(s))
                for v, counts in rows
                for s, c in zip(series, counts, strict=True)
            ],
            axis_title=str(panel.axis_title),
            summary=summary,
            series_title=str(ds.DIMENSIONS[panel.series].meaning) if panel.series else "",
        )
        row_title = str(capfirst(ds.DIMENSIONS[panel.axis].meaning))
    table = Table(
        row_title=row_title,
        columns=[series_label(s) for s in series] if panel.series else [str(panel.axis_title)],
        rows=[(label(v), [_count(c) for c in counts]) for v, counts in rows],
        total=(gettext("All together"), [_count(c) for c in total]) if total else None,
    )
    return Drawn(panel, title, summary, chart, table, suppressed)


def _summarise(panel, rows, total, series, label, series_label, suppressed) -> str:
    unit = str(panel.axis_title).lower()
    parts = []
    if total and len(series) == 1 and total[0] is not None:
        parts.append(
            gettext("%(total)s %(unit)s in all.") % {"total": _count(total[0]), "unit": unit}
        )
    shown = [(v, c) for v, counts in rows for c in counts[:1] if c is not None]
    if shown and len(series) == 1:
        top, most = max(shown, key=lambda pair: pair[1])
        where = label(top)
        parts.append(
            gettext("The most: %(where)s, with %(count)s.")
            % {"where": where, "count": _count(most)}
        )
    elif len(series) > 1 and total:
        parts.append(
            "; ".join(f"{series_label(s)}: {_count(c)}" for s, c in zip(series, total, strict=True))
            + "."
        )
    if suppressed:
        parts.append(
            ngettext(
                "%(n)s figure is suppressed to protect the people in it.",
                "%(n)s figures are suppressed to protect the people in them.",
                suppressed,
            )
            % {"n": suppressed}
        )
    if not shown:
        parts.append(gettext("No figures to show yet."))
    return " ".join(parts)


def _draw_intervals(panel: Panel, frame: pl.DataFrame) -> Drawn:
    races = ds.value_labels("subject_race")
    shown = frame.filter(pl.col("value").is_not_null())
    points = [
        charts.Interval(capfirst(races[g]), v, lo, hi)
        for g, v, lo, hi in shown.select("group", "value", "low", "high").iter_rows()
    ]
    sentences = [
        gettext("%(group)s: %(value)s (95%% interval %(low)s to %(high)s)")
        % {
            "group": p.label,
            "value": number_format(p.value, 2),
            "low": number_format(p.low, 2),
            "high": number_format(p.high, 2),
        }
        for p in points
    ]
    summary = (
        "; ".join(sentences) + "."
        if points
        else gettext("Not enough stops yet for a reliable figure.")
    )
    chart = (
        charts.intervals(
            points,
            axis_title=str(panel.axis_title),
            summary=summary,
            reference=panel.reference,
            log_scale=panel.log_scale,
        )
        if points
        else ""
    )
    withheld = dict(ds.WITHHELD)
    rows = [
        (
            capfirst(races[g]),
            [
                number_format(v, 2),
                gettext("%(low)s to %(high)s")
                % {"low": number_format(lo, 2), "high": number_format(hi, 2)},
            ]
            if v is not None
            else [str(withheld.get(w, "")), ""],
        )
        for g, v, lo, hi, w in frame.select("group", "value", "low", "high", "withheld").iter_rows()
    ]
    table = Table(
        row_title=gettext("Group"),
        columns=[str(panel.axis_title), gettext("95% interval")],
        rows=rows,
    )
    suppressed = frame.filter(pl.col("withheld") == "small_count").height
    return Drawn(panel, str(panel.title), summary, chart, table, suppressed)
