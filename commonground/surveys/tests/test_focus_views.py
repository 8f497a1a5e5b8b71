"""The focus-group pages: what staff see and send, what the wrong roles and bad input get."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.conftest import make_staff
from commonground.roster.models import Agency
from commonground.surveys import actions
from commonground.surveys.models import CodedExcerpt, FocusGroup, Participant, Theme
from commonground.surveys.tests.factories import make_survey
from commonground.surveys.tests.focus_helpers import session, theme
from commonground.testing.mfa import confirm_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, engagement_officer):
    client.force_login(engagement_officer)
    confirm_second_factor(client, engagement_officer)
    return client


def body(response) -> str:
    return response.content.decode()


def test_the_home_page_says_what_to_do_when_there_is_nothing_yet(staff_client):
    page = body(staff_client.get(reverse("surveys:focus_home")))
    assert "There is no survey yet" in page
    survey = make_survey()
    page = body(staff_client.get(reverse("surveys:focus_home")))
    assert "No session recorded yet" in page
    assert reverse("surveys:focus_new", args=[survey.pk]) in page


def test_a_session_form_keeps_what_was_typed_and_says_what_is_wrong(
    staff_client, engagement_officer
):
    survey = make_survey()
    url = reverse("surveys:focus_new", args=[survey.pk])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = staff_client.post(
        url,
        {
            "title": "Renters",
            "facilitator": engagement_officer.pk,
            "held_on": tomorrow.isoformat(),
            "place": "",
            "language": "en",
            "notes": "P1 said the bus stop is dark.",
        },
    )
    assert response.status_code == 400
    page = body(response)
    assert "give a date that is not in the future" in page
    assert "Say where the session was held." in page
    assert "P1 said the bus stop is dark." in page and 'value="Renters"' in page
    assert not FocusGroup.objects.exists()
    response = staff_client.post(
        url,
        {
            "title": "Renters",
            "facilitator": engagement_officer.pk,
            "held_on": timezone.localdate().isoformat(),
            "place": "Library",
            "language": "es",
            "notes": "P1 said the bus stop is dark.",
        },
    )
    group = FocusGroup.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/focus/{group.pk}/")
    assert group.language == "es" and group.survey == survey


def test_the_session_page_records_who_read_the_notes(staff_client, engagement_officer):
    group = session(engagement_officer)
    page = body(staff_client.get(reverse("surveys:focus_detail", args=[group.pk])))
    assert "response times are slow" in page
    assert "No participant yet" in page and "has no theme yet" in page
    event = AuditEvent.objects.get(action="survey.focus_group_viewed")
    assert event.actor == engagement_officer and event.target_id == str(group.pk)


def test_a_name_as_a_participant_tag_is_refused_next_to_the_field(staff_client, engagement_officer):
    group = session(engagement_officer)
    url = reverse("surveys:focus_add_participant", args=[group.pk])
    response = staff_client.post(
        url, {"participant-label": "Maria Lopez", "participant-age_band": "25-34"}
    )
    assert response.status_code == 400
    page = body(response)
    assert 'id="id_participant-label_error"' in page and "never a name" in page
    assert 'value="Maria Lopez"' in page
    assert '<option value="25-34" selected>' in page
    assert not Participant.objects.exists()
    response = staff_client.post(url, {"participant-label": "p1", "participant-sex": "female"})
    assert response.status_code == 302
    assert Participant.objects.get().label == "P1"
    page = body(staff_client.get(reverse("surveys:focus_detail", args=[group.pk])))
    assert "Female" in page


def test_coding_a_passage_not_in_the_notes_keeps_it_and_says_why(staff_client, engagement_officer):
    group = session(engagement_officer)
    slow = theme(engagement_officer, group.survey)
    url = reverse("surveys:focus_code", args=[group.pk])
    response = staff_client.post(
        url, {"excerpt-theme": slow.pk, "excerpt-excerpt": "The mayor was there."}
    )
    assert response.status_code == 400
    assert "not in the session&#x27;s notes" in body(response)
    assert "The mayor was there." in body(response)
    response = staff_client.post(
        url, {"excerpt-theme": slow.pk, "excerpt-excerpt": "response times are slow"}
    )
    assert response.status_code == 302
    coded = CodedExcerpt.objects.get()
    assert coded.participant is None
    response = staff_client.post(reverse("surveys:focus_uncode", args=[coded.pk]))
    assert response.status_code == 302 and not CodedExcerpt.objects.exists()


def test_a_theme_from_another_survey_cannot_be_picked(staff_client, engagement_officer):
    group = session(engagement_officer)
    foreign = theme(engagement_officer, make_survey("other"))
    response = staff_client.post(
        reverse("surveys:focus_code", args=[group.pk]),
        {"excerpt-theme": foreign.pk, "excerpt-excerpt": "response times are slow"},
    )
    assert response.status_code == 400 and not CodedExcerpt.objects.exists()


def test_the_codebook_adds_and_edits_themes(staff_client, engagement_officer):
    survey = make_survey()
    url = reverse("surveys:focus_themes", args=[survey.pk])
    assert "The codebook is empty" in body(staff_client.get(url))
    response = staff_client.post(url, {"code": "slow", "label_en": "Slow response"})
    assert response.status_code == 400
    assert "Give the theme&#x27;s name in every language." in body(response)
    assert 'value="Slow response"' in body(response)
    response = staff_client.post(
        url, {"code": "slow", "label_en": "Slow response", "label_es": "Respuesta lenta"}
    )
    assert response.status_code == 302
    slow = Theme.objects.get()
    edit = reverse("surveys:focus_theme_edit", args=[slow.pk])
    assert 'value="Respuesta lenta"' in body(staff_client.get(edit))
    staff_client.post(url, {"code": "service", "label_en": "Service", "label_es": "Servicio"})
    service = Theme.objects.get(code="service")
    response = staff_client.post(
        edit,
        {
            "code": "slow",
            "label_en": "Slow response",
            "label_es": "Respuesta lenta",
            "parent": service.pk,
        },
    )
    assert response.status_code == 302
    assert Theme.objects.get(pk=slow.pk).parent == service


def _coded(officer, survey, slow, *, people):
    group = session(officer, survey=survey)
    for n in range(people):
        p = actions.add_participant(group=group, by=officer, label=f"P{n + 1}", tenure="renter")
        actions.code_excerpt(group=group, by=officer, theme=slow, participant=p, excerpt="slow")
    return group


def test_the_comparison_never_shows_a_small_count(staff_client, engagement_officer):
    Agency.objects.create(name="PD", suppression_threshold=3)
    survey = make_survey()
    slow = theme(engagement_officer, survey)
    _coded(engagement_officer, survey, slow, people=2)
    url = reverse("surveys:focus_compare", args=[survey.pk])
    page = body(staff_client.get(url, {"by": "tenure"}))
    assert "fewer than 4" in page and "withheld" in page
    assert ">2<" not in page
    _coded(engagement_officer, survey, slow, people=3)
    page = body(staff_client.get(url, {"by": "tenure"}))
    assert '<td class="number">5</td>' in page
    spanish = body(staff_client.get(url.replace("/en/", "/es/"), {"by": "tenure"}))
    assert "Respuesta lenta" in spanish and "menos de 4" in spanish


def test_the_comparison_ignores_an_unknown_grouping(staff_client):
    survey = make_survey()
    url = reverse("surveys:focus_compare", args=[survey.pk])
    for by in ("contact_stopped", "'; drop table", ""):
        response = staff_client.get(url, {"by": by})
        assert response.status_code == 200
        assert "Nothing to compare yet" in body(response)


@pytest.mark.parametrize("role", [Role.INTERVIEWER, Role.AGENCY_HEAD, Role.INVESTIGATOR])
def test_other_roles_see_nothing_of_a_session(client, engagement_officer, role):
    group = session(engagement_officer)
    user = make_staff(f"v-{role}", role)
    client.force_login(user)
    confirm_second_factor(client, user)
    for name in ("surveys:focus_detail", "surveys:focus_edit"):
        response = client.get(reverse(name, args=[group.pk]))
        assert response.status_code == 403
        assert "response times" not in body(response)
    assert not AuditEvent.objects.filter(action="survey.focus_group_viewed").exists()


def test_unknown_objects_are_not_found(staff_client):
    for name in ("surveys:focus_detail", "surveys:focus_new", "surveys:focus_theme_edit"):
        assert staff_client.get(reverse(name, args=[987654])).status_code == 404
