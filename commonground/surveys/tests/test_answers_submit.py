"""submit_response, the one door every channel's response comes in by: one response per code
or phone case (even under fifty simultaneous submissions), nothing stored when anything is
wrong, design weights from the sample's strata, and no audit event tying a response to anyone."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from commonground.audit.models import AuditEvent
from commonground.surveys.actions import (
    CaseAlreadyUsed,
    CodeAlreadyUsed,
    InvalidAnswers,
    UnknownCode,
    WaveNotOpen,
    submit_response,
)
from commonground.surveys.models import (
    Answer,
    Channel,
    Draft,
    Invitation,
    PhoneCase,
    PhoneCaseStatus,
    Recruitment,
    Response,
    WaveStatus,
)
from commonground.surveys.tests.factories import (
    COMPLETE_ANSWERS,
    make_invitations,
    make_wave,
)


def online(wave, code=None, answers=COMPLETE_ANSWERS, **extra):
    return submit_response(
        wave=wave,
        answers=dict(answers),
        language="en",
        channel=Channel.WEB,
        recruitment=Recruitment.ADDRESS_SAMPLE if code else Recruitment.OPEN_LINK,
        invitation_code=code,
        **extra,
    )


@pytest.mark.django_db
def test_a_response_with_a_code_uses_it_and_stores_every_answer():
    wave = make_wave()
    (code, invitation), *_rest = make_invitations(wave)
    response = online(wave, code)
    invitation.refresh_from_db()
    assert invitation.used
    assert response.recruitment == Recruitment.ADDRESS_SAMPLE
    stored = {
        (
            a.question.name,
            a.choice.value if a.choice else a.number if a.number is not None else a.text,
        )
        for a in Answer.objects.filter(response=response).select_related("question", "choice")
    }
    assert stored == {
        ("safe", "4"),
        ("contact", "yes"),
        ("contact_kind", "stopped"),
        ("contact_kind", "called"),
        ("trust", 7.0),
        ("age", 34.0),
        ("years_here", 2.5),
        ("comment", "More patrols near the park, please."),
    }


@pytest.mark.django_db
def test_the_design_weight_and_district_come_from_the_invitation_stratum():
    wave = make_wave()
    invitations = make_invitations(wave, per_district=2)
    d1 = online(wave, invitations[0][0])
    d2 = online(wave, invitations[2][0])
    assert (d1.district.code, d1.design_weight) == ("D1", 500.0)
    assert (d2.district.code, d2.design_weight) == ("D2", 200.0)


@pytest.mark.django_db
def test_the_code_is_found_however_it_is_typed():
    wave = make_wave()
    (code, invitation), *_rest = make_invitations(wave)
    online(wave, f"  {code.lower().replace('-', ' ')} ")
    invitation.refresh_from_db()
    assert invitation.used


@pytest.mark.django_db
def test_a_used_code_is_refused_and_nothing_more_is_stored():
    wave = make_wave()
    (code, _invitation), *_rest = make_invitations(wave)
    online(wave, code)
    with pytest.raises(CodeAlreadyUsed):
        online(wave, code)
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_an_unknown_or_malformed_code_is_refused_as_unknown():
    wave = make_wave()
    make_invitations(wave)
    with pytest.raises(UnknownCode):
        online(wave, "ABCD-EFGH-JKMN")
    with pytest.raises(UnknownCode):
        online(wave, "not a code")
    assert Response.objects.count() == 0


@pytest.mark.django_db
def test_a_code_of_another_wave_is_unknown_in_this_one():
    wave = make_wave()
    other = make_wave(wave.instrument, label="2027 Q1")
    (code, invitation), *_rest = make_invitations(other)
    with pytest.raises(UnknownCode):
        online(wave, code)
    invitation.refresh_from_db()
    assert not invitation.used


@pytest.mark.django_db
@pytest.mark.parametrize("status", [WaveStatus.DRAFT, WaveStatus.CLOSED, WaveStatus.PUBLISHED])
def test_a_wave_that_is_not_open_takes_no_response(status):
    wave = make_wave(status=status)
    (code, invitation), *_rest = make_invitations(wave)
    with pytest.raises(WaveNotOpen):
        online(wave, code)
    invitation.refresh_from_db()
    assert not invitation.used
    assert Response.objects.count() == 0


@pytest.mark.django_db
def test_the_open_link_takes_responses_only_when_the_wave_offers_it():
    closed_link = make_wave(open_link=False)
    with pytest.raises(WaveNotOpen):
        online(closed_link)
    wave = make_wave(closed_link.instrument, label="open")
    response = online(wave)
    assert (response.recruitment, response.design_weight, response.district) == (
        Recruitment.OPEN_LINK,
        1.0,
        None,
    )


@pytest.mark.django_db
def test_answers_that_fail_the_check_are_refused_and_the_code_stays_unused():
    wave = make_wave()
    (code, invitation), *_rest = make_invitations(wave)
    with pytest.raises(InvalidAnswers) as refused:
        online(wave, code, answers={**COMPLETE_ANSWERS, "age": 9.0})
    assert set(refused.value.errors) == {"age"}
    invitation.refresh_from_db()
    assert not invitation.used
    assert Response.objects.count() == 0


@pytest.mark.django_db
def test_answers_to_skipped_questions_are_not_stored():
    wave = make_wave()
    response = online(wave, answers={**COMPLETE_ANSWERS, "contact": "no"})
    names = set(Answer.objects.filter(response=response).values_list("question__name", flat=True))
    assert "contact_kind" not in names


@pytest.mark.django_db
def test_the_draft_goes_in_the_same_transaction_as_the_response():
    wave = make_wave()
    (code, _invitation), *_rest = make_invitations(wave)
    Draft.objects.create(
        key_hash="k" * 64, wave=wave, language="en", answers={}, updated_at=wave.created_at
    )
    with pytest.raises(InvalidAnswers):
        online(wave, code, answers={}, draft_key_hash="k" * 64)
    assert Draft.objects.filter(key_hash="k" * 64).exists()
    online(wave, code, draft_key_hash="k" * 64)
    assert not Draft.objects.filter(key_hash="k" * 64).exists()


@pytest.mark.django_db
def test_a_resident_submission_writes_no_audit_event():
    wave = make_wave()
    (code, _invitation), *_rest = make_invitations(wave)
    before = AuditEvent.objects.count()
    online(wave, code)
    online(wave)
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_answers_ids_say_nothing_of_the_order_they_came_in():
    wave = make_wave()
    for _n in range(3):
        online(wave)
    ids = list(Answer.objects.order_by("response__id").values_list("id", flat=True))
    per_response = [
        list(Answer.objects.filter(response=r).values_list("id", flat=True))
        for r in Response.objects.all()
    ]
    # Random ids: no response's answers form a run of consecutive numbers.
    assert all(max(chunk) - min(chunk) > len(chunk) for chunk in per_response)
    assert len(set(ids)) == len(ids)


@pytest.mark.django_db
def test_a_phone_interview_uses_its_case_once(interviewer):
    wave = make_wave()
    case = PhoneCase.objects.create(wave=wave, phone={"number": "555-0100"})
    response = submit_response(
        wave=wave,
        answers=dict(COMPLETE_ANSWERS),
        language="es",
        channel=Channel.PHONE,
        recruitment=Recruitment.PHONE_SAMPLE,
        phone_case=case,
        by=interviewer,
    )
    case.refresh_from_db()
    assert (case.used, case.disposition, case.status) == (True, "1.1", PhoneCaseStatus.FINAL)
    assert response.channel == Channel.PHONE
    with pytest.raises(CaseAlreadyUsed):
        submit_response(
            wave=wave,
            answers=dict(COMPLETE_ANSWERS),
            language="es",
            channel=Channel.PHONE,
            recruitment=Recruitment.PHONE_SAMPLE,
            phone_case=case,
            by=interviewer,
        )
    entered = AuditEvent.objects.filter(action="survey.response_entered")
    assert entered.count() == 1
    assert entered.get().data == {"channel": "phone"}
    assert str(response.pk) not in str(entered.get().data)


@pytest.mark.django_db
def test_only_an_interviewer_enters_a_phone_interview(analyst):
    wave = make_wave()
    case = PhoneCase.objects.create(wave=wave)
    with pytest.raises(PermissionDenied):
        submit_response(
            wave=wave,
            answers=dict(COMPLETE_ANSWERS),
            language="en",
            channel=Channel.PHONE,
            recruitment=Recruitment.PHONE_SAMPLE,
            phone_case=case,
            by=analyst,
        )
    case.refresh_from_db()
    assert not case.used


SUBMITTERS = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_submissions_with_one_code_store_exactly_one_response():
    wave = make_wave()
    (code, invitation), *_rest = make_invitations(wave)
    start = threading.Barrier(SUBMITTERS)
    results: list = [None] * SUBMITTERS

    def submit(n):
        try:
            start.wait()
            online(wave, code)
            results[n] = "stored"
        except CodeAlreadyUsed:
            results[n] = "already used"
        except Exception as error:  # anything else fails the test below
            results[n] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(SUBMITTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["already used"] * (SUBMITTERS - 1) + ["stored"]
    assert Response.objects.count() == 1
    assert Answer.objects.count() == len(COMPLETE_ANSWERS) + 1  # two contact kinds
    invitation.refresh_from_db()
    assert invitation.used
    assert Invitation.objects.filter(used=True).count() == 1
