"""The staff home leads each role to the survey work it may do, and no further."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

CARDS = {
    "surveys:form_survey_list": "Surveys",
    "surveys:sample_overview": "Survey samples",
    "surveys:phone_queue": "Phone interviews",
    "surveys:paper_waves": "Paper questionnaires",
    "surveys:focus_home": "Focus groups",
    "surveys:results_waves": "Survey results",
    "surveys:publish_quotes": "Residents' words",
}


def _links(client, user) -> set[str]:
    client.force_login(user)
    page = client.get(reverse("staff_home")).content.decode()
    return {name for name in CARDS if f'href="{reverse(name)}"' in page}


def test_an_interviewer_is_led_to_the_calls_and_paper_only(client, interviewer):
    assert _links(client, interviewer) == {"surveys:phone_queue", "surveys:paper_waves"}


def test_an_engagement_officer_is_led_to_every_survey_page_they_may_use(client, engagement_officer):
    assert _links(client, engagement_officer) == set(CARDS)


def test_an_intake_clerk_sees_no_survey_work(client, intake_clerk):
    assert _links(client, intake_clerk) == set()


def test_every_linked_page_opens_for_the_role_it_is_shown_to(client, engagement_officer):
    client.force_login(engagement_officer)
    for name in _links(client, engagement_officer):
        assert client.get(reverse(name)).status_code == 200, name


def test_the_front_door_offers_the_survey_and_its_results(client):
    page = client.get("/es/").content.decode()
    assert f'href="{reverse("surveys:online_start")}"' in page
    assert "Participe en nuestra encuesta a residentes" in page
