"""The questionnaire pages: what a designer sees and does, the errors that keep what was
typed, and the people who may not come in."""

import io

import pytest
from django.urls import reverse

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.surveys.models import (
    Instrument,
    PhoneCase,
    Question,
    Survey,
    Wave,
    WaveStatus,
)
from commonground.surveys.tests.factories import make_instrument, make_survey, make_wave
from commonground.testing.mfa import confirm_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def designer_client(client):
    user = make_staff("designer", Role.COMMUNITY_ENGAGEMENT)
    client.force_login(user)
    confirm_second_factor(client, user)
    return client


def _text(response) -> str:
    return response.content.decode()


def test_the_list_has_a_useful_empty_state_and_creates_a_survey(designer_client):
    page = designer_client.get(reverse("surveys:form_survey_list"))
    assert "There is no survey yet" in _text(page)
    refused = designer_client.post(
        reverse("surveys:form_survey_new"),
        {"title_en": "Trust and safety", "title_es": "", "slug": "trust", "min_effective_n": "30"},
    )
    assert refused.status_code == 400
    assert "Give the title in Spanish." in _text(refused)
    assert 'value="Trust and safety"' in _text(refused)
    made = designer_client.post(
        reverse("surveys:form_survey_new"),
        {
            "title_en": "Trust and safety",
            "title_es": "Confianza y seguridad",
            "slug": "trust",
            "min_effective_n": "30",
        },
    )
    survey = Survey.objects.get(slug="trust")
    assert made["Location"] == reverse("surveys:form_survey_detail", args=[survey.pk])
    detail = _text(designer_client.get(made["Location"]))
    assert "No questionnaire yet" in detail and "Start from the question bank" in detail


def test_a_questionnaire_from_the_bank_then_a_wave(designer_client):
    survey = make_survey()
    response = designer_client.post(
        reverse("surveys:form_instrument_bank", args=[survey.pk]),
        {
            "name": "trust_safety",
            "title_en": "Trust",
            "title_es": "Confianza",
            "languages": ["en", "es"],
            "topics": ["trust.fair", "safety.night"],
        },
    )
    instrument = Instrument.objects.get(survey=survey)
    assert response["Location"] == reverse("surveys:form_instrument_detail", args=[instrument.pk])
    page = _text(designer_client.get(response["Location"]))
    assert "The police treat people fairly." in page
    assert 'lang="es"' in page and "La policía trata a la gente de manera justa." in page
    created = designer_client.post(
        reverse("surveys:form_wave_new", args=[survey.pk]),
        {
            "label": "2026 Q1",
            "instrument": instrument.pk,
            "opens_on": "2026-01-05",
            "closes_on": "2026-03-31",
        },
    )
    wave = Wave.objects.get(survey=survey)
    assert created["Location"] == reverse("surveys:form_wave_detail", args=[wave.pk])
    assert "Open the wave" in _text(designer_client.get(created["Location"]))
    designer_client.post(reverse("surveys:form_wave_status", args=[wave.pk]), {"to": "open"})
    wave.refresh_from_db()
    assert wave.status == WaveStatus.OPEN
    # The questionnaire is now locked: its page offers a copy, not edits.
    page = _text(
        designer_client.get(reverse("surveys:form_instrument_detail", args=[instrument.pk]))
    )
    assert "Copy to a new version" in page and "Add a question" not in page
    edit = designer_client.get(reverse("surveys:form_question_new", args=[instrument.pk]))
    assert edit.status_code == 302
    copied = designer_client.post(reverse("surveys:form_instrument_copy", args=[instrument.pk]))
    copy = Instrument.objects.get(survey=survey, version=2)
    assert copied["Location"] == reverse("surveys:form_instrument_detail", args=[copy.pk])


def test_a_question_with_unknown_skip_logic_comes_back_with_what_was_typed(designer_client):
    instrument = make_instrument()
    url = reverse("surveys:form_question_new", args=[instrument.pk])
    form = {
        "name": "why",
        "kind": "text",
        "page": "3",
        "label_en": "Why did you call?",
        "label_es": "¿Por qué llamó?",
        "relevant": "${called} = 'yes'",
    }
    refused = designer_client.post(url, form)
    assert refused.status_code == 400
    body = _text(refused)
    assert "${called}" in body and "this questionnaire does not have" in body
    assert "¿Por qué llamó?" in body and 'value="why"' in body
    form["relevant"] = "${contact} = 'yes'"
    saved = designer_client.post(url, form)
    assert saved.status_code == 302
    question = Question.objects.get(instrument=instrument, name="why")
    assert question.label == {"en": "Why did you call?", "es": "¿Por qué llamó?"}
    assert question.relevant == "${contact} = 'yes'"
    edit_url = reverse("surveys:form_question_edit", args=[instrument.pk, question.pk])
    assert "¿Por qué llamó?" in _text(designer_client.get(edit_url))


def test_moving_and_removing_questions_and_lists_from_the_page(designer_client):
    instrument = make_instrument()
    contact = instrument.questions.get(name="contact")
    designer_client.post(
        reverse("surveys:form_question_move", args=[instrument.pk, contact.pk]),
        {"direction": "up"},
    )
    first = instrument.questions.order_by("page", "position").first()
    assert first.name == "contact"
    refused = designer_client.post(
        reverse("surveys:form_question_delete", args=[instrument.pk, contact.pk]), follow=True
    )
    assert "contact_kind" in _text(refused)
    assert instrument.questions.filter(name="contact").exists()
    new_list = designer_client.post(
        reverse("surveys:form_list_new", args=[instrument.pk]),
        {"name": "often", "choices": "never | Never\nsometimes | Sometimes | A veces"},
    )
    assert new_list.status_code == 400
    assert "Line 1: give the label in Spanish." in _text(new_list)
    assert "sometimes | Sometimes | A veces" in _text(new_list)


def test_xlsform_download_and_upload(designer_client):
    instrument = make_instrument()
    download = designer_client.get(reverse("surveys:form_instrument_xlsform", args=[instrument.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="trust_safety-v1.xlsx"'
    upload = io.BytesIO(download.content)
    upload.name = "trust_safety.xlsx"
    response = designer_client.post(
        reverse("surveys:form_instrument_import", args=[instrument.survey.pk]), {"file": upload}
    )
    assert response.status_code == 302
    assert Instrument.objects.filter(name="trust_safety", version=2).exists()
    bad = io.BytesIO(b"hello")
    bad.name = "bad.xlsx"
    refused = designer_client.post(
        reverse("surveys:form_instrument_import", args=[instrument.survey.pk]), {"file": bad}
    )
    assert refused.status_code == 400
    assert "Nothing was imported" in _text(refused)


def test_closing_from_the_page_erases_the_numbers_and_publishing_is_for_analysts(
    designer_client, client
):
    wave = make_wave(status=WaveStatus.OPEN)
    PhoneCase.objects.create(wave=wave, phone={"phone": "+1 555 0100"})
    url = reverse("surveys:form_wave_status", args=[wave.pk])
    page = _text(designer_client.get(reverse("surveys:form_wave_detail", args=[wave.pk])))
    assert "erases the phone number of its 1 phone case" in page
    designer_client.post(url, {"to": "closed"})
    assert PhoneCase.objects.get(wave=wave).phone is None
    page = _text(designer_client.get(reverse("surveys:form_wave_detail", args=[wave.pk])))
    assert "Publish the wave" not in page  # engagement officers do not publish
    assert designer_client.post(url, {"to": "published"}).status_code == 403
    analyst = make_staff("analyst-p", Role.ANALYST)
    client.force_login(analyst)
    confirm_second_factor(client, analyst)
    client.post(url, {"to": "published"})
    wave.refresh_from_db()
    assert wave.status == WaveStatus.PUBLISHED
    after = client.post(reverse("surveys:form_wave_detail", args=[wave.pk]), {"label": "x"})
    assert after.status_code == 302
    wave.refresh_from_db()
    assert wave.label == "2026 Q4"


@pytest.mark.parametrize(
    "role",
    [Role.INTERVIEWER, Role.AGENCY_HEAD, Role.ADMINISTRATOR, Role.INVESTIGATOR, Role.BOARD_MEMBER],
)
def test_staff_who_do_not_design_surveys_are_refused_everywhere(client, role):
    wave = make_wave(status=WaveStatus.DRAFT)
    instrument = wave.instrument
    question = instrument.questions.first()
    user = make_staff(f"no-{role}", role)
    client.force_login(user)
    confirm_second_factor(client, user)
    gets = [
        reverse("surveys:form_survey_list"),
        reverse("surveys:form_survey_new"),
        reverse("surveys:form_survey_detail", args=[wave.survey.pk]),
        reverse("surveys:form_instrument_detail", args=[instrument.pk]),
        reverse("surveys:form_instrument_xlsform", args=[instrument.pk]),
        reverse("surveys:form_question_edit", args=[instrument.pk, question.pk]),
        reverse("surveys:form_wave_detail", args=[wave.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 403, url
    posts = [
        (reverse("surveys:form_wave_status", args=[wave.pk]), {"to": "open"}),
        (reverse("surveys:form_instrument_copy", args=[instrument.pk]), {}),
        (reverse("surveys:form_question_delete", args=[instrument.pk, question.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    wave.refresh_from_db()
    assert wave.status == WaveStatus.DRAFT
    assert Instrument.objects.count() == 1 and instrument.questions.filter(pk=question.pk).exists()


def test_a_question_of_another_questionnaire_is_not_found_through_this_one(designer_client):
    one = make_instrument()
    other = make_instrument(make_survey("other"))
    foreign = other.questions.first()
    url = reverse("surveys:form_question_edit", args=[one.pk, foreign.pk])
    assert designer_client.get(url).status_code == 404
    delete = reverse("surveys:form_question_delete", args=[one.pk, foreign.pk])
    assert designer_client.post(delete).status_code == 404
    assert other.questions.filter(pk=foreign.pk).exists()
