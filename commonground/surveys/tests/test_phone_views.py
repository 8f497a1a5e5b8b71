"""The phone and paper pages: importing a sample, the queue, one case, the interview page by
page in the respondent's language, and the one-page paper entry (errors next to the questions,
what was typed kept, "save and enter the next")."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.surveys.actions import take_next_phone_case
from commonground.surveys.models import (
    CallAttempt,
    Channel,
    PhoneCase,
    PhoneCaseStatus,
    Recruitment,
    Response,
)
from commonground.surveys.tests.factories import make_districts, make_invitations, make_wave
from commonground.surveys.tests.phone_helpers import E164, NUMBERS, phone_wave, sample_csv

pytestmark = pytest.mark.django_db


def upload(client, wave, content: bytes):
    return client.post(
        reverse("surveys:phone_sample", args=[wave.pk]),
        {"sample_file": SimpleUploadedFile("sample.csv", content, content_type="text/csv")},
    )


def test_staff_import_a_sample_and_see_counts_never_numbers(client, analyst):
    wave = make_wave()
    make_districts()
    client.force_login(analyst)
    response = upload(client, wave, sample_csv([(n, "D1", "es") for n in NUMBERS]))
    assert response.status_code == 302
    assert PhoneCase.objects.filter(wave=wave).count() == len(NUMBERS)
    page = client.get(response["Location"]).content.decode()
    assert "5 numbers were imported" in page
    for number in NUMBERS + E164:
        assert number not in page
    assert "555" not in page


def test_a_bad_file_is_shown_line_by_line_and_nothing_is_imported(client, analyst):
    wave = make_wave()
    make_districts()
    client.force_login(analyst)
    response = upload(client, wave, sample_csv([(NUMBERS[0], "D1", "es"), ("12", "D7", "xx")]))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Line 3:" in body
    assert "D7" in body and "xx" in body
    assert "Nothing was imported" in body
    assert PhoneCase.objects.count() == 0


def test_the_number_of_calls_is_set_on_the_sample_page(client, analyst):
    wave = make_wave()
    client.force_login(analyst)
    path = reverse("surveys:phone_max_attempts", args=[wave.pk])
    refused = client.post(path, {"max_call_attempts": "50"})
    assert refused.status_code == 400
    assert 'value="50"' in refused.content.decode()
    assert client.post(path, {"max_call_attempts": "4"}).status_code == 302
    wave.refresh_from_db()
    assert wave.max_call_attempts == 4


def test_the_queue_has_a_useful_empty_state(client, interviewer):
    client.force_login(interviewer)
    body = client.get(reverse("surveys:phone_queue")).content.decode()
    assert "No open wave has numbers to call" in body


def test_an_interviewer_takes_a_number_and_sees_it_with_the_language(client, analyst, interviewer):
    wave, _cases = phone_wave(analyst)
    client.force_login(interviewer)
    queue = client.get(reverse("surveys:phone_queue")).content.decode()
    assert "5 numbers to call now" in queue
    assert "555" not in queue
    taken = client.post(reverse("surveys:phone_next", args=[wave.pk]))
    assert taken.status_code == 302
    case = PhoneCase.objects.get(held_by=interviewer)
    assert taken["Location"] == reverse("surveys:phone_case", args=[case.pk])
    body = client.get(taken["Location"]).content.decode()
    assert "(312) 555-0101" in body and 'href="tel:+13125550101"' in body
    assert "Spanish" in body


def test_recording_a_call_needs_a_time_for_a_callback_and_keeps_what_was_typed(
    client, analyst, interviewer
):
    wave, _cases = phone_wave(analyst)
    case = take_next_phone_case(wave=wave, by=interviewer)
    client.force_login(interviewer)
    path = reverse("surveys:phone_call", args=[case.pk])
    refused = client.post(path, {"disposition": "callback", "note": "Ask for Ana's mother"})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "Give the day and time to call back." in body
    assert "Ask for Ana&#x27;s mother" in body
    when = timezone.localtime() + datetime.timedelta(days=1)
    done = client.post(
        path, {"disposition": "callback", "callback_at": when.strftime("%Y-%m-%dT%H:%M")}
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == PhoneCaseStatus.CALLBACK
    assert case.callback_at.replace(second=0, microsecond=0) == when.replace(
        second=0, microsecond=0
    )


def test_a_refusal_finishes_the_number(client, analyst, interviewer):
    wave, _cases = phone_wave(analyst)
    case = take_next_phone_case(wave=wave, by=interviewer)
    client.force_login(interviewer)
    response = client.post(reverse("surveys:phone_call", args=[case.pk]), {"disposition": "2.11"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.attempts) == (PhoneCaseStatus.FINAL, 1)
    # The number is no longer the interviewer's to see.
    assert client.get(reverse("surveys:phone_case", args=[case.pk])).status_code == 404


def test_an_interviewer_cannot_work_another_interviewers_number(client, analyst, interviewer):
    wave, _cases = phone_wave(analyst)
    case = take_next_phone_case(wave=wave, by=interviewer)
    client.force_login(make_staff("other", Role.INTERVIEWER))
    for name in ("phone_call", "phone_hand_back"):
        response = client.post(reverse(f"surveys:{name}", args=[case.pk]), {"disposition": "2.11"})
        assert response.status_code == 404
    assert CallAttempt.objects.count() == 0
    case.refresh_from_db()
    assert case.held_by == interviewer


def _answer_page(client, case, number, data):
    return client.post(reverse("surveys:phone_interview", args=[case.pk, number]), data)


def test_the_interview_is_asked_in_the_respondents_language_and_stored(
    client, analyst, interviewer
):
    wave, _cases = phone_wave(analyst)
    case = take_next_phone_case(wave=wave, by=interviewer)
    client.force_login(interviewer)
    first = client.get(reverse("surveys:phone_interview", args=[case.pk, 1])).content.decode()
    assert "Me siento seguro caminando" in first
    assert "Interview, page 1 of 3" in first  # the interviewer's own language
    missing = _answer_page(client, case, 1, {"safe": "4"})
    assert missing.status_code == 400
    assert "Tell us how safe you feel." not in missing.content.decode()
    assert 'value="4" required checked' in missing.content.decode() or "checked" in (
        missing.content.decode()
    )
    to_two = _answer_page(client, case, 1, {"safe": "4", "contact": "no"})
    # "No contact": page 2 still asks trust, so it comes next.
    assert to_two["Location"] == reverse("surveys:phone_interview", args=[case.pk, 2])
    to_three = _answer_page(client, case, 2, {"trust": "8"})
    assert to_three["Location"] == reverse("surveys:phone_interview", args=[case.pk, 3])
    last = client.get(to_three["Location"]).content.decode()
    assert "Finish and save the interview" in last
    done = _answer_page(client, case, 3, {"age": "44", "years_here": "", "comment": ""})
    assert done.status_code == 302 and done["Location"] == reverse("surveys:phone_queue")
    response = Response.objects.get()
    assert (response.channel, response.recruitment, response.language) == (
        Channel.PHONE,
        Recruitment.PHONE_SAMPLE,
        "es",
    )
    case.refresh_from_db()
    assert (case.used, case.disposition) == (True, "1.1")


def test_the_interview_pages_follow_the_interviewers_language(client, analyst, interviewer):
    wave, _cases = phone_wave(analyst, language="en")
    case = take_next_phone_case(wave=wave, by=interviewer)
    client.force_login(interviewer)
    body = client.get(f"/es/staff/surveys/phone/cases/{case.pk}/interview/1/").content.decode()
    assert "I feel safe walking" in body  # the respondent's language
    assert "Entrevista, página 1 de 3" in body  # the interviewer's


# --- Paper entry -----------------------------------------------------------------------------------


def test_paper_entry_shows_the_whole_questionnaire_on_one_page(client, interviewer):
    wave = make_wave()
    client.force_login(interviewer)
    body = client.get(reverse("surveys:paper_entry", args=[wave.pk])).content.decode()
    for name in ("safe", "contact", "contact_kind", "trust", "age", "years_here", "comment"):
        assert f'name="{name}"' in body, name
    spanish = client.get(reverse("surveys:paper_entry", args=[wave.pk]) + "?language=es")
    assert "Me siento seguro" in spanish.content.decode()


def test_paper_entry_errors_sit_next_to_the_questions_and_keep_what_was_typed(client, interviewer):
    wave = make_wave()
    client.force_login(interviewer)
    response = client.post(
        reverse("surveys:paper_entry", args=[wave.pk]),
        {
            "paper-language": "en",
            "safe": "4",
            "contact": "no",
            "age": "9",
            "comment": "Lights on Elm St are out",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Please answer this question." in body  # trust is required
    assert "enter an age from 18 to 120" in body
    assert "Lights on Elm St are out" in body
    assert 'value="9"' in body
    assert Response.objects.count() == 0


def test_save_and_enter_the_next(client, interviewer):
    wave = make_wave()
    client.force_login(interviewer)
    data = {"paper-language": "es", "safe": "2", "contact": "no", "trust": "3"}
    response = client.post(reverse("surveys:paper_entry", args=[wave.pk]), data)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/paper/{wave.pk}/?language=es")
    after = client.get(response["Location"]).content.decode()
    assert "The questionnaire is saved. Enter the next one." in after
    assert 'value="es" selected' in after
    stored = Response.objects.get()
    assert (stored.channel, stored.recruitment, stored.language) == (
        Channel.PAPER,
        Recruitment.IN_PERSON,
        "es",
    )


def test_a_used_or_unknown_invitation_code_is_said_next_to_the_code(client, interviewer):
    wave = make_wave()
    (code, _invitation), *_rest = make_invitations(wave)
    client.force_login(interviewer)
    data = {"paper-language": "en", "safe": "2", "contact": "no", "trust": "3"}
    path = reverse("surveys:paper_entry", args=[wave.pk])
    assert client.post(path, {**data, "paper-invitation_code": code}).status_code == 302
    again = client.post(path, {**data, "paper-invitation_code": code})
    assert again.status_code == 400
    assert "already been used" in again.content.decode()
    unknown = client.post(path, {**data, "paper-invitation_code": "ZZZZ-ZZZZ-ZZZZ"})
    assert "no invitation with this code" in unknown.content.decode()
    assert Response.objects.count() == 1


def test_paper_entry_lists_open_waves_or_says_there_are_none(client, interviewer):
    client.force_login(interviewer)
    assert "No survey is open now" in client.get(reverse("surveys:paper_waves")).content.decode()
    wave = make_wave()
    body = client.get(reverse("surveys:paper_waves")).content.decode()
    assert reverse("surveys:paper_entry", args=[wave.pk]) in body


def test_staff_erase_a_closed_waves_numbers_from_the_sample_page(client, analyst):
    wave, _cases = phone_wave(analyst)
    client.force_login(analyst)
    path = reverse("surveys:phone_erase", args=[wave.pk])
    assert client.post(path).status_code == 400
    wave.status = "closed"
    wave.save()
    page = client.get(reverse("surveys:phone_sample", args=[wave.pk])).content.decode()
    assert "Erase the phone numbers" in page
    assert client.post(path).status_code == 302
    assert not PhoneCase.objects.filter(phone__isnull=False).exists()
    page = client.get(reverse("surveys:phone_sample", args=[wave.pk])).content.decode()
    assert "have been erased" in page
