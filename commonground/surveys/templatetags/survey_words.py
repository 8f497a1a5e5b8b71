"""Showing a questionnaire's words ({"en": ..., "es": ...}) on staff pages."""

from django import template
from django.utils import translation

from commonground.surveys.models import in_language

register = template.Library()


@register.filter
def in_page_language(words) -> str:
    """The words in the page's language, else in English, else in any language there is."""
    language = (translation.get_language() or "en").split("-")[0]
    return in_language(words, language)


@register.filter
def in_code(words, code: str) -> str:
    """The words in one language ("" when missing)."""
    return (words or {}).get(code, "")
