from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"
OTHER_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    with open(LOCALE / language / "LC_MESSAGES" / "django.po", "rb") as f:
        catalog = read_po(f)
    missing = [
        m.id
        for m in catalog
        if m.id and (m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    ]
    assert missing == []


@pytest.mark.django_db
def test_spanish_pages_and_messages_are_in_spanish():
    client = Client()
    body = client.get("/es/").content.decode()
    assert 'lang="es"' in body and "Hacer un reporte" in body
    with translation.override("es"):
        assert translation.gettext("Enter the date it happened.") != "Enter the date it happened."
