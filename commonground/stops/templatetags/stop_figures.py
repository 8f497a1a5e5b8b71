"""Figures with their uncertainty, written the same way on every analysis page."""

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from commonground.stops.analysis import GROUP_ADJECTIVES, Estimate, Gap

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

# kind -> (multiplier, decimals, unit after the number)
KINDS = {
    "rate": (1, 1, ""),
    "ratio": (1, 2, "\u00d7"),  # the multiplication sign
    "percent": (100, 1, "%"),
    "points": (100, 1, _(" points")),
}


def _number(value: float, kind: str) -> str:
    scale, places, _unit = KINDS[kind]
    text = number_format(value * scale, places, use_l10n=True)
    return f"+{text}" if kind == "points" and value > 0 else text


@register.simple_tag
def figure(estimate: Estimate, kind: str = "rate"):
    """ "12.3 (11.0 to 13.5)", or why there is no figure."""
    if estimate.value is None:
        return format_html('<span class="withheld">— ({})</span>', WITHHELD[estimate.gap])
    unit = KINDS[kind][2]
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
    return GROUP_ADJECTIVES.get(group, group)
