"""Figures with their uncertainty, written the same way on every analysis page."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from commonground.lib.rounding import formatted
from commonground.stops.analysis import (
    GROUP_ADJECTIVES,
    Estimate,
    Gap,
    Interval,
    LeftOut,
    group_name,
)

register = template.Library()

WITHHELD = {
    Gap.MISSING_POPULATION: _("no population figure"),
    Gap.SMALL_POPULATION: _("too few residents"),
    Gap.FEW_EVENTS: _("too few to estimate"),
    Gap.FEW_STOPS: _("too few stops"),
    Gap.FEW_SEARCHES: _("too few searches"),
    Gap.IS_REFERENCE: _("the comparison group"),
    Gap.NO_REFERENCE: _("no figure to compare with"),
}

INTERVALS = {
    Interval.EXACT_POISSON: _("exact (Garwood's Poisson interval)"),
    Interval.EXACT_CONDITIONAL: _("exact conditional interval"),
    Interval.CLUSTER_ROBUST: _(
        "approximate: a normal interval that allows for each officer's stops being alike"
    ),
    Interval.WALD: _("approximate: a normal interval from the model"),
    Interval.WILSON: _("approximate: Wilson's score interval"),
    Interval.NORMAL: _("approximate: a normal interval"),
}

# Why records were left out, as "N stops ..." continues: "left out because ..."
LEFT_OUT = {
    LeftOut.OUTSIDE_DISTRICTS: _("their district is missing or not among those analysed"),
    LeftOut.UNKNOWN_RACE: _("the person's race was not recorded"),
    LeftOut.OTHER_GROUP: _("the person was of neither group compared"),
    LeftOut.NO_LOCATION: _("their district has no map position for sunset and dusk"),
    LeftOut.NO_TIME: _("no time of the stop was recorded"),
    LeftOut.OUTSIDE_WINDOW: _("made outside the twilight hours"),
    LeftOut.NO_DUSK: _("made on an evening when dusk never comes (far north in summer)"),
    LeftOut.SUNSET_TO_DUSK: _(
        "made from the minute of sunset to the minute of dusk, neither light nor dark"
    ),
    LeftOut.ONE_GROUP_DISTRICT: _("made in a district where only one of the groups was stopped"),
    LeftOut.NO_SEARCH_RECORD: _("whether a search was made was not recorded (search rates only)"),
    LeftOut.NO_SEARCH_RESULT: _("searches whose result was not recorded (hit rates only)"),
}

# kind -> (how it is rounded, as a percentage, unit after the number): rounded by the rule the
# public pages and files follow (commonground.lib.rounding), so the two never disagree.
KINDS = {
    "rate": ("rate", False, ""),
    "ratio": ("ratio", False, "\u00d7"),  # the multiplication sign
    "percent": ("share", True, "%"),
    "points": ("share", True, _(" points")),
}


def _number(value: float, kind: str) -> str:
    rounding, percent, _unit = KINDS[kind]
    text = formatted(value, rounding, percent=percent)
    return f"+{text}" if kind == "points" and value > 0 else text


@register.simple_tag
def figure(estimate: Estimate, kind: str = "rate"):
    """ "12.3 (11.0 to 13.5)", or why there is no figure."""
    if estimate.value is None:
        return format_html('<span class="withheld">— ({})</span>', WITHHELD[estimate.gap])
    unit = KINDS[kind][2]
    if estimate.approximate:
        return format_html(
            '{}{} <span class="interval">({} {} {}, {})</span>',
            _number(estimate.value, kind),
            unit,
            _number(estimate.low, kind),
            _("to"),
            _number(estimate.high, kind),
            _("approximate"),
        )
    return format_html(
        '{}{} <span class="interval">({} {} {})</span>',
        _number(estimate.value, kind),
        unit,
        _number(estimate.low, kind),
        _("to"),
        _number(estimate.high, kind),
    )


@register.filter
def group_label(group: str) -> str:
    """The group within a sentence ("Black drivers")."""
    return GROUP_ADJECTIVES.get(group, group)


@register.filter(name="group_name")
def group_name_filter(group: str) -> str:
    """The group as a table row or chart label names it: as the public figures do."""
    return group_name(group)


@register.filter
def rounded_as(value: float | None, kind: str) -> str:
    """A figure rounded by the one rule (`ratio`, `rate`, `share`); empty when there is none."""
    return "" if value is None else formatted(value, kind)


@register.filter
def interval_label(method: Interval | None) -> str:
    return INTERVALS.get(method, "")


@register.filter
def left_out_label(reason: LeftOut) -> str:
    return LEFT_OUT[reason]
