"""The resident's questionnaire online, through the Django test client: every way in (a code
typed, the letter's link, the open link) and every refusal, page-by-page answering with skip
logic and constraints, nothing typed lost (not even by a change of language), the review, one
response per code, and nothing of the code in a URL, a log or the response."""

import logging
import threading

import pytest
from django.db import connection
from django.test import Client

from commonground.surveys.models import (
    Answer,
    Channel,
    Draft,
    Invitation,
    Recruitment,
    Response,
    WaveStatus,
)
from commonground.surveys.tests.factories import make_invitations, make_wave

pytestmark = pytest.mark.django_db

START = "/en/survey/"
PAGE1, PAGE2, PAGE3 = (f"/en/survey/questions/{n}/" for n in (1, 2, 3))
REVIEW, SEND, THANKS = "/en/survey/check/", "/en/survey/send/", "/en/survey/thanks/"


@pytest.fixture
def wave():
    return make_wave()


@pytest.fixture
def invited(wave):
    return make_invitations(wave)


def enter(client, code, lang="en"):
    return client.post(f"/{lang}/survey/", {"code": code})


def answer_all(client, lang="en", *, contact="yes", age="34"):
    """Page by page, as a resident would, ending at the review."""
    base = f"/{lang}/survey/questions"
    assert client.post(f"{base}/1/", {"safe": "4", "contact": contact, "action": "next"})[
        "Location"
    ].endswith("/questions/2/")
    page2 = {"trust": "7", "action": "next"}
    if contact == "yes":
        page2["contact_kind"] = ["stopped", "called"]
    assert client.post(f"{base}/2/", page2)["Location"].endswith("/questions/3/")
    response = client.post(
        f"{base}/3/", {"age": age, "years_here": "2.5", "comment": "Lights.", "action": "next"}
    )
    return response


def stored(response):
    return {
        (
            a.question.name,
            a.choice.value if a.choice else a.number if a.number is not None else a.text,
        )
        for a in Answer.objects.filter(response=response).select_related("question", "choice")
    }


# --- Ways in -----------------------------------------------------------------------------------


def test_the_start_page_asks_for_the_code_and_lists_open_links(client, wave):
    page = client.get(START)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="code"' in html
    assert "/en/survey/trust/" in html


def test_the_start_page_says_when_no_survey_is_open_to_everyone(client):
    make_wave(open_link=False)
    html = client.get(START).content.decode()
    assert "No survey is open to everyone right now" in html


def test_a_typed_code_opens_the_first_page_however_it_is_typed(client, invited):
    code, _invitation = invited[0]
    response = enter(client, f"  {code.lower().replace('-', ' ')} ")
    assert response.status_code == 302
    assert response["Location"] == PAGE1
    page = client.get(PAGE1)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Page 1 of 2" in html or "Page 1 of 3" in html
    assert code not in html and code.lower() not in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Type the code from your letter."),
        ("123", "An invitation code has 12 letters and numbers"),
        ("ABCD-EFGH-JKMN", "We could not find an invitation with this code."),
    ],
)
def test_a_code_that_opens_nothing_says_why_and_keeps_what_was_typed(
    client, invited, typed, message
):
    response = enter(client, typed)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert f'value="{typed}"' in html if typed else True
    assert 'aria-describedby="id_code_helptext id_code_error"' in html
    assert Draft.objects.count() == 0


def test_a_used_code_is_refused_as_used(client, wave, invited):
    code, invitation = invited[0]
    Invitation.objects.filter(pk=invitation.pk).update(used=True)
    html = enter(client, code).content.decode()
    assert "This code has already been used" in html


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (WaveStatus.DRAFT, "This survey is not open yet. It opens on"),
        (WaveStatus.CLOSED, "This survey closed on"),
        (WaveStatus.PUBLISHED, "This survey closed on"),
    ],
)
def test_a_code_of_a_wave_not_open_says_so_with_the_date(client, status, message):
    wave = make_wave(status=status)
    code, _invitation = make_invitations(wave)[0]
    html = enter(client, code).content.decode()
    assert message in html
    assert Draft.objects.count() == 0


def test_the_letters_link_is_exchanged_and_redirected_away_from(client, invited):
    code, _invitation = invited[0]
    response = client.get(f"/en/survey/c/{code}/")
    assert response.status_code == 302
    assert response["Location"] == PAGE1
    assert code not in response["Location"]
    assert Draft.objects.count() == 1


def test_a_refused_link_redirects_to_the_start_page_with_the_reason(client, invited, caplog):
    code, invitation = invited[0]
    Invitation.objects.filter(pk=invitation.pk).update(used=True)
    with caplog.at_level(logging.DEBUG):
        response = client.get(f"/en/survey/c/{code}/")
        unknown = client.get("/en/survey/c/ZZZZ-ZZZZ-ZZZZ/")
    assert response.status_code == unknown.status_code == 302
    assert response["Location"] == START
    # A 4xx would have put the path, code and all, in the server's log.
    assert code not in caplog.text and "ZZZZ" not in caplog.text
    html = client.get(START).content.decode()
    assert "We could not find an invitation with this code." in html
    # Shown once: a reload shows the plain page.
    assert "We could not find" not in client.get(START).content.decode()


def test_the_code_is_kept_nowhere_in_plain(client, invited):
    from django.contrib.sessions.models import Session

    from commonground.web.models import RateLimitCounter

    code, _invitation = invited[0]
    enter(client, code)
    client.post(PAGE1, {"safe": "4", "contact": "no", "action": "next"})
    kept = [str(s.get_decoded()) + s.session_data for s in Session.objects.all()]
    kept += [f"{d.key_hash} {d.answers}" for d in Draft.objects.all()]
    kept += [r.key for r in RateLimitCounter.objects.all()]
    assert kept
    everything = " ".join(kept).upper()
    assert code not in everything and code.replace("-", "") not in everything


def test_a_letters_link_in_spanish_explains_in_spanish(client, invited):
    code, invitation = invited[0]
    Invitation.objects.filter(pk=invitation.pk).update(used=True)
    client.get(f"/es/survey/c/{code}/")
    html = client.get("/es/survey/").content.decode()
    assert "Este código ya se usó" in html


def test_typing_the_code_again_on_another_device_resumes_where_it_stopped(invited):
    code, _invitation = invited[0]
    first = Client()
    enter(first, code)
    first.post(PAGE1, {"safe": "2", "contact": "no", "action": "next"})
    second = Client()
    response = enter(second, code.lower())
    assert response["Location"] == PAGE2
    html = second.get(PAGE1).content.decode()
    assert 'value="2" required id="id_safe_1" checked' in html or ('id="id_safe_1" checked' in html)


def test_the_open_link_starts_an_open_link_questionnaire(client, wave):
    intro = client.get("/en/survey/trust/")
    assert intro.status_code == 200
    assert Draft.objects.count() == 0  # a GET (a link preview, a crawler) starts nothing
    response = client.post("/en/survey/trust/")
    assert response["Location"] == PAGE1
    assert Draft.objects.count() == 1
    # Starting again in the same browser resumes the same questionnaire.
    client.post("/en/survey/trust/")
    assert Draft.objects.count() == 1


def test_starting_questionnaire_after_questionnaire_is_stopped(wave, settings):
    settings.SURVEY_OPEN_LINK_RATE = "2/h"
    for _n in range(2):
        assert Client(REMOTE_ADDR="10.2.0.1").post("/en/survey/trust/").status_code == 302
    refused = Client(REMOTE_ADDR="10.2.0.1").post("/en/survey/trust/")
    assert refused.status_code == 429
    assert "Too many questionnaires have been started" in refused.content.decode()
    assert Draft.objects.count() == 2
    assert Client(REMOTE_ADDR="10.2.0.2").post("/en/survey/trust/").status_code == 302


def test_an_unknown_survey_is_not_found(client):
    response = client.get("/en/survey/nothing-here/")
    assert response.status_code == 404
    assert "We could not find a survey at this address." in response.content.decode()


def test_a_survey_without_an_open_link_says_so(client):
    make_wave(open_link=False)
    response = client.get("/en/survey/trust/")
    assert response.status_code == 200
    assert "open only to the homes we invited" in response.content.decode()
    client.post("/en/survey/trust/")
    assert Draft.objects.count() == 0


def test_an_open_wave_for_invited_homes_is_named_before_the_next_wave(client):
    wave = make_wave(open_link=False)
    make_wave(wave.instrument, status=WaveStatus.DRAFT, label="2027 Q1")
    html = client.get("/en/survey/trust/").content.decode()
    assert "open only to the homes we invited" in html


@pytest.mark.parametrize(
    ("status", "message"), [(WaveStatus.DRAFT, "It opens on"), (WaveStatus.CLOSED, "closed on")]
)
def test_a_survey_not_open_says_when(client, status, message):
    make_wave(status=status)
    assert message in client.get("/en/survey/trust/").content.decode()


def test_pages_without_a_questionnaire_go_to_the_start_page(client, wave):
    for path in (PAGE1, REVIEW, THANKS):
        assert client.get(path)["Location"] == START
    assert client.post(SEND)["Location"] == START


# --- Rate limit ----------------------------------------------------------------------------------


def test_code_guessing_is_locked_out_whatever_the_case_or_spacing(client, invited, settings):
    settings.SURVEY_CODE_RATE = "3/15m"
    code, _invitation = invited[0]
    wrong = "ABCD-EFGH-JKMN"
    for typed in (wrong, wrong.lower(), wrong.replace("-", " ")):
        assert enter(client, typed).status_code == 200
    locked = enter(client, f" {wrong.lower().replace('-', '')} ")
    assert locked.status_code == 429
    assert "Too many codes have been tried" in locked.content.decode()
    # Locked out means locked out: even the right code is not looked up.
    assert enter(client, code).status_code == 429
    assert Draft.objects.count() == 0
    # The letter's link counts the same way.
    assert client.get(f"/en/survey/c/{code}/")["Location"] == START
    assert Draft.objects.count() == 0


def test_another_connection_is_not_locked_out(invited, settings):
    settings.SURVEY_CODE_RATE = "1/15m"
    code, _invitation = invited[0]
    guesser = Client(REMOTE_ADDR="10.0.0.1")
    enter(guesser, "ABCD-EFGH-JKMN")
    assert enter(guesser, "ABCD-EFGH-JKMP").status_code == 429
    resident = Client(REMOTE_ADDR="10.0.0.2")
    assert enter(resident, code)["Location"] == PAGE1


# --- Answering ------------------------------------------------------------------------------------


def test_a_resident_answers_page_by_page_and_sends(client, wave, invited):
    code, invitation = invited[0]
    enter(client, code)
    page = client.get(PAGE1).content.decode()
    assert "Page 1 of 3" in page
    assert "<legend" in page and "<fieldset" in page
    review = answer_all(client)
    assert review["Location"] == REVIEW
    html = client.get(REVIEW).content.decode()
    for shown in ("Agree", "I was stopped, I called for help", "34", "2.5", "Lights."):
        assert shown in html
    sent = client.post(SEND)
    assert sent["Location"] == THANKS
    thanks = client.get(THANKS).content.decode()
    assert "What happens next" in thanks
    response = Response.objects.get()
    assert (response.channel, response.recruitment, response.language) == (
        Channel.WEB,
        Recruitment.ADDRESS_SAMPLE,
        "en",
    )
    assert response.district.code == "D1"
    assert stored(response) == {
        ("safe", "4"),
        ("contact", "yes"),
        ("contact_kind", "stopped"),
        ("contact_kind", "called"),
        ("trust", 7.0),
        ("age", 34.0),
        ("years_here", 2.5),
        ("comment", "Lights."),
    }
    invitation.refresh_from_db()
    assert invitation.used
    assert Draft.objects.count() == 0
    # Sending again (a double click) stores nothing more and shows the thanks again.
    assert client.post(SEND)["Location"] == THANKS
    assert Response.objects.count() == 1


def test_an_open_link_response_is_labelled_as_such(client, wave):
    client.post("/en/survey/trust/")
    answer_all(client)
    client.post(SEND)
    response = Response.objects.get()
    assert (response.recruitment, response.design_weight, response.district) == (
        Recruitment.OPEN_LINK,
        1.0,
        None,
    )


def test_an_invitation_handed_out_in_person_is_labelled_in_person(client, wave, invited):
    code, invitation = invited[0]
    Invitation.objects.filter(pk=invitation.pk).update(sample=None)
    enter(client, code)
    answer_all(client)
    client.post(SEND)
    assert Response.objects.get().recruitment == Recruitment.IN_PERSON


def test_skip_logic_skips_the_question_and_progress_counts_pages_asked(client, wave, invited):
    enter(client, invited[0][0])
    client.post(PAGE1, {"safe": "4", "contact": "no", "action": "next"})
    html = client.get(PAGE2).content.decode()
    assert "What contact did you have?" not in html
    assert 'name="trust"' in html
    answer_all(client, contact="no")
    client.post(SEND)
    assert "contact_kind" not in {name for name, _v in stored(Response.objects.get())}


def test_a_page_whose_questions_are_all_skipped_is_skipped(client):
    wave = make_wave()
    wave.instrument.questions.filter(name="trust").update(relevant="${contact} = 'yes'")
    client.post("/en/survey/trust/")
    response = client.post(PAGE1, {"safe": "4", "contact": "no", "action": "next"})
    assert response["Location"] == PAGE3
    assert "Page 2 of 2" in client.get(PAGE3).content.decode()
    # Asked for page 2 directly, the resident is sent on.
    assert client.get(PAGE2)["Location"] == PAGE3
    back = client.post(PAGE3, {"action": "back"})
    assert back["Location"] == PAGE1


def test_a_required_question_left_unanswered_is_named_with_its_own_message(client, wave):
    client.post("/en/survey/trust/")
    response = client.post(PAGE1, {"contact": "yes", "action": "next", "shown": "safe,contact"})
    assert response["Location"] == PAGE1
    html = client.get(PAGE1).content.decode()
    assert 'class="error-summary"' in html
    assert 'href="#id_safe_0"' in html
    assert "Tell us how safe you feel." in html
    assert 'id="id_safe_error"' in html
    assert 'aria-describedby="id_safe_error"' in html
    # What was answered stays.
    assert 'value="yes" required id="id_contact_0" checked' in html or (
        'id="id_contact_0" checked' in html
    )


def test_a_constraint_error_keeps_what_was_typed_even_across_a_language_change(client, wave):
    client.post("/en/survey/trust/")
    client.post(PAGE1, {"safe": "4", "contact": "no", "action": "next"})
    client.post(PAGE2, {"trust": "7", "action": "next"})
    response = client.post(
        PAGE3,
        {
            "age": "9",
            "years_here": "3",
            "comment": "Más luz",
            "action": "next",
            "shown": "age,years_here,comment",
        },
    )
    assert response["Location"] == PAGE3
    html = client.get(PAGE3).content.decode()
    assert "This survey is for adults: enter an age from 18 to 120." in html
    assert 'value="9"' in html and "Más luz" in html
    # The language link: the same page in Spanish, the same input, the message in Spanish.
    spanish = client.get("/es/survey/questions/3/").content.decode()
    assert "Esta encuesta es para adultos" in spanish
    assert 'value="9"' in spanish and "Más luz" in spanish
    assert 'lang="es"' in spanish
    # Corrected, it goes on to the review and nothing of the wrong answer is kept.
    fixed = client.post(
        "/es/survey/questions/3/", {"age": "40", "years_here": "3", "action": "next"}
    )
    assert fixed["Location"] == "/es/survey/check/"


def test_a_language_change_keeps_every_saved_answer_and_the_response_is_in_spanish(client, wave):
    client.post("/en/survey/trust/")
    client.post(PAGE1, {"safe": "5", "contact": "no", "action": "next"})
    spanish = client.get("/es/survey/questions/1/").content.decode()
    assert "Me siento seguro caminando" in spanish
    assert 'id="id_safe_4" checked' in spanish
    assert "Página 1 de 3" in spanish or "Página 1 de 2" in spanish
    client.post("/es/survey/questions/2/", {"trust": "3", "action": "next"})
    client.post("/es/survey/questions/3/", {"action": "next"})
    client.post("/es/survey/send/")
    response = Response.objects.get()
    assert response.language == "es"
    assert stored(response) == {("safe", "5"), ("contact", "no"), ("trust", 3.0)}


def test_back_keeps_this_pages_answers_and_goes_to_the_previous_page(client, wave):
    client.post("/en/survey/trust/")
    client.post(PAGE1, {"safe": "4", "contact": "yes", "action": "next"})
    back = client.post(PAGE2, {"trust": "8", "action": "back"})
    assert back["Location"] == PAGE1
    assert Draft.objects.get().answers == {"safe": "4", "contact": "yes"}
    # An unfinished page (a required question unanswered) is not lost by going back.
    html = client.get(PAGE2).content.decode()
    assert 'id="id_trust_8" checked' in html


def test_the_review_names_what_is_missing_and_links_to_its_page(client, wave):
    client.post("/en/survey/trust/")
    client.post(PAGE1, {"safe": "4", "contact": "yes", "action": "next"})
    # A page skipped by typing its address: the review finds what it lacks.
    html = client.get(REVIEW).content.decode()
    assert "Some answers need attention before you send" in html
    assert "/en/survey/questions/2/?then=review" in html
    assert "Send my answers" not in html
    # Sending anyway (an old tab) sends the resident to the page with the problem.
    response = client.post(SEND)
    assert response["Location"] == PAGE2 + "?then=review"
    assert Response.objects.count() == 0


def test_a_change_from_the_review_returns_to_the_review(client, wave):
    client.post("/en/survey/trust/")
    answer_all(client)
    page = client.get(PAGE1 + "?then=review").content.decode()
    assert 'name="then" value="review"' in page
    response = client.post(PAGE1, {"safe": "1", "contact": "yes", "then": "review"})
    assert response["Location"] == REVIEW
    assert "Strongly disagree" in client.get(REVIEW).content.decode()


def test_an_answer_that_asks_a_question_on_the_same_page_shows_the_page_again(client):
    wave = make_wave()
    wave.instrument.questions.filter(name="contact_kind").update(page=1)
    client.post("/en/survey/trust/")
    response = client.post(PAGE1, {"safe": "4", "contact": "yes", "action": "next"})
    assert response["Location"] == PAGE1 + "?more=1"
    html = client.get(response["Location"]).content.decode()
    assert "What contact did you have?" in html
    assert "Your answer opened another question on this page" in html
    assert "error-summary" not in html
    assert Draft.objects.get().answers == {"safe": "4", "contact": "yes"}
    # Answered, the resident goes on.
    answered = client.post(
        PAGE1,
        {
            "safe": "4",
            "contact": "yes",
            "contact_kind": "called",
            "action": "next",
            "shown": "safe,contact,contact_kind",
        },
    )
    assert answered["Location"] == PAGE2


def test_answers_a_page_does_not_ask_are_not_kept(client, wave):
    client.post("/en/survey/trust/")
    client.post(
        PAGE1, {"safe": "4", "contact": "no", "trust": "9", "nonsense": "x", "action": "next"}
    )
    assert Draft.objects.get().answers == {"safe": "4", "contact": "no"}


def test_a_page_number_out_of_range_goes_to_the_first_page(client, wave):
    client.post("/en/survey/trust/")
    assert client.get("/en/survey/questions/99/")["Location"] == PAGE1
    assert client.get("/en/survey/questions/0/")["Location"] == PAGE1


def test_a_wave_closed_while_answering_says_so_and_stores_nothing(client, wave, invited):
    enter(client, invited[0][0])
    answer_all(client)
    type(wave).objects.filter(pk=wave.pk).update(status=WaveStatus.CLOSED)
    assert client.post(SEND)["Location"] == START
    assert "This survey closed on" in client.get(START).content.decode()
    assert Response.objects.count() == 0
    invited[0][1].refresh_from_db()
    assert not invited[0][1].used


def test_a_code_used_from_another_device_meanwhile_is_refused_as_used(wave, invited):
    code, _invitation = invited[0]
    first, second = Client(), Client()
    for client in (first, second):
        enter(client, code)
    answer_all(first)
    first.post(SEND)
    assert second.post(SEND)["Location"] == START
    assert "This code has already been used" in second.get(START).content.decode()
    assert Response.objects.count() == 1


def test_stop_here_forgets_the_questionnaire_in_this_browser(client, wave):
    client.post("/en/survey/trust/")
    client.post(PAGE1, {"safe": "4", "contact": "no", "action": "next"})
    assert "Continue answering" in client.get(START).content.decode()
    assert client.post("/en/survey/stop/")["Location"] == START
    assert "the answers you had not sent are gone" in client.get(START).content.decode()
    assert client.get(PAGE1)["Location"] == START
    # An open-link draft has no way back, so it goes.
    assert Draft.objects.count() == 0


def test_stop_here_with_a_code_keeps_the_answers_for_the_code(client, wave, invited):
    code, _invitation = invited[0]
    enter(client, code)
    client.post(PAGE1, {"safe": "4", "contact": "no", "action": "next"})
    client.post("/en/survey/stop/")
    assert "type your code again to go on" in client.get(START).content.decode()
    assert client.get(PAGE2)["Location"] == START
    assert enter(client, code)["Location"] == PAGE2


def test_a_signed_in_staff_member_answers_as_anyone_else(client, analyst, wave):
    from commonground.audit.models import AuditEvent

    client.force_login(analyst)
    before = AuditEvent.objects.count()
    client.post("/en/survey/trust/")
    answer_all(client)
    client.post(SEND)
    # Not even the "request" event every signed-in request leaves: the page never saw who it was.
    assert AuditEvent.objects.count() == before
    assert Response.objects.count() == 1


def test_the_pages_are_never_cached(client, wave):
    client.post("/en/survey/trust/")
    for path in (START, PAGE1, REVIEW, "/en/survey/trust/"):
        assert "no-store" in client.get(path).get("Cache-Control", ""), path


# --- One response per code, through the pages ----------------------------------------------------

SUBMITTERS = 20


@pytest.mark.django_db(transaction=True)
def test_simultaneous_sends_with_one_code_through_the_pages_store_one_response(settings):
    settings.SURVEY_CODE_RATE = "1000/15m"
    wave = make_wave()
    (code, invitation), *_rest = make_invitations(wave)
    clients = [Client(REMOTE_ADDR=f"10.1.0.{n}") for n in range(SUBMITTERS)]
    for client in clients:
        enter(client, code)
    answer_all(clients[0])
    start = threading.Barrier(SUBMITTERS)
    results: list = [None] * SUBMITTERS

    def send(n):
        try:
            start.wait()
            results[n] = clients[n].post(SEND)["Location"]
        except Exception as error:  # anything else fails the test below
            results[n] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(SUBMITTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [START] * (SUBMITTERS - 1) + [THANKS]
    assert Response.objects.count() == 1
    invitation.refresh_from_db()
    assert invitation.used
    assert Draft.objects.count() == 0
