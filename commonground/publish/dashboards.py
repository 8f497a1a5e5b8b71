"""The public dashboards: each panel is one released dataset, drawn as a chart, given as a table
with the same numbers, and said in a sentence. Panels read only the release, so a page costs the
same with ten thousand complaints as with a million, and the figures match the bulk files."""

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from commonground.lib import charts
from commonground.lib.rounding import formatted
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
    # For a monthly trend: a table of the same records with a row per year (and `where` to pick
    # its totals), drawn instead when too many months are suppressed (see `SHOWN_ENOUGH`).
    by_year: tuple[str, dict[str, str]] | None = None
    # What the figure shows and what it cannot, in plain words, for readers new to it.
    shows: Promise | None = None
    cannot: Promise | None = None

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
                by_year=("complaints-by-channel", {"channel": ds.ALL}),
            ),
            Panel(
                "complaints-closed-by-month",
                TREND,
                "month",
                _("Complaints closed each month"),
                _("Complaints"),
                by_year=("complaint-outcomes", {"outcome": ds.ALL}),
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
                by_year=("use-of-force-by-district", {"district": ds.ALL}),
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
                shows=_(
                    "How many stops officers made of people of each race, as the officer "
                    "recorded it."
                ),
                cannot=_(
                    "Counts alone cannot say whether a group is stopped more than others: groups "
                    "differ in size. The comparisons below divide stops by the number of "
                    "residents of each group."
                ),
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
                shows=_(
                    "How many times as often people of each group are stopped as white "
                    "residents, per resident, across the whole city. 1 means the same rate; 2 "
                    "means twice as often; 0.5 half as often. The line through each point is its "
                    "95% interval: the range the true figure very likely lies in."
                ),
                cannot=_(
                    "It says a group is stopped more often, not why. Residents are only a rough "
                    "stand-in for the people police could stop: people drive and walk through "
                    "districts they do not live in, groups differ in how much they drive, when "
                    "and where, and districts with more officers see more stops of everyone "
                    "there. Census counts are estimates and record the race people give, while "
                    "officers record the race they see. Stops without a recorded race are left "
                    "out, so every rate is a floor."
                ),
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
                shows=_(
                    "The same comparison made within each district and then pooled over the "
                    "districts, so that where police patrol most does not count as a difference "
                    "between groups. Where it is smaller than the city-wide figure, much of the "
                    "city-wide gap comes from where stops happen."
                ),
                cannot=_(
                    "It cannot say whether where police are deployed is itself fair, and it "
                    "shares the other limits of comparing stops with residents."
                ),
            ),
            Panel(
                "stop-disparities",
                INTERVALS,
                "group",
                _("Searches that found contraband"),
                _("Share of searches"),
                where={"measure": "hit_rate"},
                shows=_(
                    "Of the searches of people of each group, the share that found contraband "
                    "(drugs, weapons or other items it is against the law to carry): 0.25 means "
                    "one search in four. If searches of one group find something less often, "
                    "officers may be searching that group with less reason. This is called the "
                    "outcome test."
                ),
                cannot=_(
                    "A similar share does not rule bias out: groups may carry contraband at "
                    "different rates, and an average can hide differences in the searches "
                    "officers were least sure about. Searches whose result was not recorded are "
                    "left out."
                ),
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
                shows=_(
                    "After dark, officers can less easily see a driver's race before stopping "
                    "the car. This compares vehicle stops at the same time of day on days when "
                    "it is still light and on days when it is already dark. Below 1: the group "
                    "makes up a smaller share of stops after dark, a sign that it is stopped "
                    "more when race can be seen. 1 means no change."
                ),
                cannot=_(
                    "It looks only at the hours around dusk and at vehicle stops, and assumes "
                    "that who is on the road at a given time does not change with darkness "
                    "itself. Street lights let officers see race after dark in some places, "
                    "which hides bias rather than inventing it."
                ),
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
                by_year=("commendations-by-district", {"district": ds.ALL}),
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


# A monthly trend is drawn by month when at least this share of its months (the month under way
# aside) is shown, and otherwise by year: a line that is mostly gaps tells a reader nothing, and
# the years of the same records are suppressed together with the months (disclosure.py), so
# nothing hidden in one can be worked out from the other.
SHOWN_ENOUGH = 0.8


def _by_month_or_year(
    panel: Panel, frame: pl.DataFrame, read: Callable[[str], pl.DataFrame | None]
) -> tuple[pl.DataFrame, str]:
    """The rows to draw a monthly trend from, and their dimension ("month" or "year")."""
    this_month = f"{timezone.localdate():%Y-%m}"
    months = frame.filter((pl.col("month") != ds.ALL) & (pl.col("month") != this_month))
    if not months.height or panel.by_year is None:
        return frame, "month"
    shown = months.filter(pl.col("count").is_not_null()).height
    if shown >= SHOWN_ENOUGH * months.height:
        return frame, "month"
    dataset, where = panel.by_year
    years = read(dataset)
    if years is None:
        return frame, "month"
    for name, value in where.items():
        years = years.filter(pl.col(name) == value)
    return years, "year"


def draw(
    panel: Panel,
    frame: pl.DataFrame,
    read: Callable[[str], pl.DataFrame | None] = lambda _slug: None,
) -> Drawn:
    """The panel drawn from its released table; `read(slug)` gives another table of the same
    release (a monthly trend may be drawn from its yearly counts)."""
    for name, value in panel.where.items():
        frame = frame.filter(pl.col(name) == value)
    if panel.chart == INTERVALS:
        return _draw_intervals(panel, frame)
    axis_name = panel.axis
    if panel.chart == TREND:
        frame, axis_name = _by_month_or_year(panel, frame, read)
    axis = frame.filter(pl.col(axis_name) != ds.ALL)
    totals = frame.filter(pl.col(axis_name) == ds.ALL)
    if panel.series:
        axis = axis.filter(pl.col(panel.series) != ds.ALL)
        totals = totals.filter(pl.col(panel.series) != ds.ALL)

    axis_labels = ds.value_labels(axis_name)
    series_labels = ds.value_labels(panel.series) if panel.series else None
    under_way = f"{timezone.localdate():%Y-%m}"[: 4 if axis_name == "year" else 7]

    def label(value: str) -> str:
        if panel.chart == TREND and value == under_way:
            return gettext("%(month)s (so far)") % {"month": axis_labels[value]}
        return capfirst(axis_labels[value])

    def series_label(value: str) -> str:
        return capfirst(series_labels[value]) if series_labels else ""

    series = axis[panel.series].unique(maintain_order=True).to_list() if panel.series else [""]
    rows = []
    for value in axis[axis_name].unique(maintain_order=True).to_list():
        cells = axis.filter(pl.col(axis_name) == value)
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
        if axis_name == "year":
            summary = " ".join(
                [
                    gettext(
                        "Shown by year: too many months had too few to show without "
                        "putting the people in them at risk."
                    ),
                    summary,
                ]
            )
        # The period under way would look like a sudden fall: the table gives it, marked.
        chart = charts.trend(
            [charts.Point(v, counts[0]) for v, counts in rows if v != under_way],
            axis_title=str(panel.axis_title),
            summary=summary,
            grain=charts.YEAR if axis_name == "year" else charts.MONTH,
        )
        row_title = gettext("Year") if axis_name == "year" else gettext("Month")
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
    if shown and len(series) == 1 and max(c for _v, c in shown):
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
    kind = ds.MEASURE_KINDS[panel.where["measure"]]

    def number(value: float) -> str:
        return formatted(value, kind)

    shown = frame.filter(pl.col("value").is_not_null())
    points = [
        charts.Interval(capfirst(races[g]), v, lo, hi)
        for g, v, lo, hi in shown.select("group", "value", "low", "high").iter_rows()
    ]
    sentences = [
        gettext("%(group)s: %(value)s (95%% interval %(low)s to %(high)s)")
        % {
            "group": p.label,
            "value": number(p.value),
            "low": number(p.low),
            "high": number(p.high),
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
                number(v),
                gettext("%(low)s to %(high)s") % {"low": number(lo), "high": number(hi)},
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
