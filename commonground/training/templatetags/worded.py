"""Showing a text kept in several languages (lib.i18n.Worded): text in another language than the
page's is marked with its `lang` attribute, so screen readers pronounce it right, and labelled."""

from django import template
from django.template.defaultfilters import linebreaks_filter
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def worded(value, block=False):
    """`{% worded version.changes_shown %}` inline, `{% worded version.text_shown block=True %}`
    for paragraphs (the label then comes first, as its own paragraph)."""
    text = linebreaks_filter(value.text, autoescape=True) if block else value.text
    if not value.is_other_language:
        return format_html("<div>{}</div>", text) if block else format_html("{}", text)
    if block:
        return format_html(
            '<p class="only-in">{}</p><div lang="{}">{}</div>',
            value.only_available,
            value.language,
            text,
        )
    return format_html(
        '<span lang="{}">{}</span> <small class="only-in">({})</small>',
        value.language,
        text,
        value.only_available,
    )
