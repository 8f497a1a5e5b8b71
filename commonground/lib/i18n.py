from dataclasses import dataclass

from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _


def in_current_language(names: dict, fallback: str = "?") -> str:
    """A name kept in the database in several languages ({"en": ..., "es": ...}), in the
    language of the request, falling back to English."""
    return names.get(get_language() or "en") or names.get("en") or fallback


@dataclass(frozen=True)
class Worded:
    """A text kept in several languages, as shown to this reader: in their language when it has
    been written in it, otherwise the original, with the language it is written in (pages mark
    it with `lang` and say it is only available in that language: training's `worded` tag)."""

    text: str
    language: str
    reader_language: str

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    @property
    def is_other_language(self) -> bool:
        return bool(self.text) and self.language != self.reader_language

    @property
    def only_available(self) -> str:
        """'Only available in English', in the reader's language."""
        known = {"en": _("Only available in English"), "es": _("Only available in Spanish")}
        if self.language in known:
            return str(known[self.language])
        name = get_language_info(self.language)["name_translated"]
        return _("Only available in %(language)s") % {"language": name}


def in_readers_language(texts: dict, original: str = "en") -> Worded:
    reader = (get_language() or "en").split("-")[0]
    if texts.get(reader):
        return Worded(texts[reader], reader, reader)
    for language in (original, *texts):
        if texts.get(language):
            return Worded(texts[language], language, reader)
    return Worded("", reader, reader)
