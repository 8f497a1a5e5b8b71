"""A policy's wording shows in the reader's language when it exists; otherwise the original is
shown marked with its language (so screen readers pronounce it right) and labelled as only
available in that language."""

import re

import pytest

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.training.tests.helpers import published_policy

pytestmark = pytest.mark.django_db

ONLY_ENGLISH = "Solo disponible en inglés"


@pytest.fixture
def coordinator():
    return make_staff("coordinator", Role.TRAINING_COORDINATOR)


def test_english_only_wording_is_marked_and_labelled_on_the_spanish_page(client, coordinator):
    version = published_policy(
        coordinator,
        titles={"en": "Use of force", "es": "Uso de la fuerza"},
        changes={"en": "Adds a duty to intervene.", "es": ""},
    )
    page = client.get(f"/es/policies/{version.policy.slug}/").content.decode()
    # The title exists in Spanish: shown plainly.
    assert "Uso de la fuerza" in page
    assert not re.search(r'lang="en"[^>]*>\s*Uso de la fuerza', page)
    # What changed exists only in English (it is not required in every language): marked
    # lang="en" and labelled, on the page and in the list of versions.
    assert re.search(r'<span lang="en">Adds a duty to intervene\.</span>', page)
    assert ONLY_ENGLISH in page
    assert "Officers use only" not in page


def test_wording_in_the_readers_language_is_not_marked(client, coordinator):
    version = published_policy(
        coordinator,
        changes={"en": "Adds a duty to intervene.", "es": "Añade el deber de intervenir."},
    )
    page = client.get(f"/es/policies/{version.policy.slug}/").content.decode()
    assert "Añade el deber de intervenir." in page
    assert "Adds a duty" not in page
    assert ONLY_ENGLISH not in page
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'lang="en"' not in main


def test_the_staff_policy_page_marks_english_only_changes_in_spanish(client, coordinator):
    version = published_policy(coordinator, changes={"en": "Adds a duty to intervene.", "es": ""})
    client.force_login(coordinator)
    page = client.get(f"/es/staff/policies/{version.policy.pk}/").content.decode()
    assert re.search(r'<span lang="en">Adds a duty to intervene\.</span>', page)
    assert ONLY_ENGLISH in page
