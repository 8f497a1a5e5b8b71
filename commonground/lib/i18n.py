from django.utils.translation import get_language


def in_current_language(names: dict, fallback: str = "?") -> str:
    """A name kept in the database in several languages ({"en": ..., "es": ...}), in the
    language of the request, falling back to English."""
    return names.get(get_language() or "en") or names.get("en") or fallback
