"""A step's answer that was refused is shown again after a change of language, with its message
in the new language: the refused page is a GET page (post/redirect/get), not the POST's answer."""

import re

import pytest

from commonground.complaints.tests.test_intake_views import walk_to

pytestmark = pytest.mark.django_db


def language_link(page: str, code: str) -> str:
    return re.search(rf'<a href="([^"]+)" hreflang="{code}"', page).group(1).replace("&amp;", "&")


def test_a_refused_narrative_survives_a_change_of_language(client, settings):
    walk_to(client, "when")
    text = "Lo que pasó, " + "x" * settings.NARRATIVE_MAX_CHARS
    refused = client.post("/en/report/what/", {"narrative": text}, follow=True)
    assert "Please shorten this" in refused.content.decode()
    spanish = client.get(language_link(refused.content.decode(), "es")).content.decode()
    assert text in spanish
    assert "Acorte este texto a 10000 caracteres" in spanish


def test_a_refused_witness_survives_a_change_of_language(client):
    walk_to(client, "what")
    email = "not-an-address"
    refused = client.post(
        "/en/report/people/",
        {"action": "add", "role": "witness", "name": "Bea", "email": email},
        follow=True,
    )
    assert "Enter an e-mail address like" in refused.content.decode()
    spanish = client.get(language_link(refused.content.decode(), "es")).content.decode()
    assert f'value="{email}"' in spanish and 'value="Bea"' in spanish
    assert 'lang="es"' in spanish


def test_the_language_link_keeps_the_way_back_to_the_review(client):
    walk_to(client, "what")
    page = client.get("/en/report/when/?then=review").content.decode()
    assert language_link(page, "es") == "/es/report/when/?then=review"
