"""Telephone interviewing: importing a phone sample, the queue and its claims, call
dispositions and callbacks, the interview stored with no link to its number or interviewer, and
no phone number ever in the audit log or the logs."""

import datetime
import logging
import threading

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.conftest import make_staff
from commonground.surveys import actions
from commonground.surveys.actions import (
    InvalidAnswers,
    PhoneError,
    PhoneSampleRefused,
    enter_paper_response,
    erase_phone_numbers,
    finish_interview,
    hand_back_phone_case,
    import_phone_sample,
    interview_draft_key,
    record_call,
    save_interview_page,
    set_max_call_attempts,
    take_next_phone_case,
)
from commonground.surveys.models import (
    Answer,
    CallAttempt,
    Channel,
    Draft,
    Invitation,
    PhoneCase,
    PhoneCaseStatus,
    Recruitment,
    Response,
    Sample,
    SampleKind,
    WaveStatus,
)
from commonground.surveys.selectors import phone_queue
from commonground.surveys.tests.factories import COMPLETE_ANSWERS, make_invitations, make_wave
from commonground.surveys.tests.phone_helpers import E164, NUMBERS, phone_wave, sample_csv

pytestmark = pytest.mark.django_db


# --- Importing a phone sample --------------------------------------------------------------------


def test_numbers_are_normalised_and_stored_encrypted(engagement_officer):
    wave, cases = phone_wave(engagement_officer)
    assert [c.phone for c in cases] == [{"number": n} for n in E164]
    assert [c.district.code for c in cases] == ["D1", "D2", "D1", "D2", "D1"]
    assert {c.language for c in cases} == {"es"}
    assert {c.status for c in cases} == {PhoneCaseStatus.TO_CALL}
    sample = Sample.objects.get(wave=wave)
    assert sample.kind == SampleKind.PHONE
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM surveys_phonecase")
        stored = " ".join(row[0] for row in cursor.fetchall())
    for number in E164:
        assert number not in stored and number[2:] not in stored


def test_a_language_left_empty_is_the_questionnaires_first_one(analyst):
    wave = make_wave()
    from commonground.surveys.tests.factories import make_districts

    make_districts()
    import_phone_sample(wave=wave, content=sample_csv([(NUMBERS[0], "d1", "")]), by=analyst)
    assert PhoneCase.objects.get().language == "en"


def test_a_bad_file_is_refused_whole_with_what_is_wrong_on_each_line(analyst):
    wave = make_wave()
    from commonground.surveys.tests.factories import make_districts

    make_districts()
    rows = [
        (NUMBERS[0], "D1", "es"),
        ("12", "D1", "es"),
        (NUMBERS[1], "D9", "es"),
        (NUMBERS[2], "D2", "fr"),
        ("312 555 0101", "D2", "en"),
        ("", "", "en"),
    ]
    with pytest.raises(PhoneSampleRefused) as refused:
        import_phone_sample(wave=wave, content=sample_csv(rows), by=analyst)
    lines = dict(refused.value.errors)
    assert set(lines) == {3, 4, 5, 6, 7}
    assert "not a valid phone number" in lines[3] or "not a phone number" in lines[3]
    assert "D9" in lines[4]
    assert "'fr' is not a language" in lines[5]
    assert "already on line 2" in lines[6]
    assert "empty" in lines[7]
    assert PhoneCase.objects.count() == 0
    assert Sample.objects.count() == 0


def test_a_number_already_in_the_wave_is_refused(analyst):
    wave, _cases = phone_wave(analyst)
    with pytest.raises(PhoneSampleRefused) as refused:
        import_phone_sample(wave=wave, content=sample_csv([(NUMBERS[0], "D1", "en")]), by=analyst)
    assert "already in the wave" in refused.value.errors[0][1]


@pytest.mark.parametrize(
    "content",
    [b"", b"\xff\xfe\x00bad", b"number,area\n3125550101,D1\n", b"phone,district\n"],
)
def test_files_that_are_not_phone_samples_are_refused(analyst, content):
    wave = make_wave()
    with pytest.raises(PhoneSampleRefused):
        import_phone_sample(wave=wave, content=content, by=analyst)


def test_only_staff_who_draw_samples_import_numbers(interviewer):
    wave = make_wave()
    with pytest.raises(PermissionDenied):
        import_phone_sample(
            wave=wave, content=sample_csv([(NUMBERS[0], "D1", "en")]), by=interviewer
        )


def test_a_closed_wave_takes_no_numbers(analyst):
    wave = make_wave(status=WaveStatus.CLOSED)
    with pytest.raises(PhoneError):
        import_phone_sample(wave=wave, content=sample_csv([(NUMBERS[0], "D1", "en")]), by=analyst)


# --- The queue and claiming ------------------------------------------------------------------------


def test_two_interviewers_never_get_the_same_case(analyst, interviewer):
    wave, cases = phone_wave(analyst, numbers=NUMBERS[:2])
    other = make_staff("interviewer-2", Role.INTERVIEWER)
    first = take_next_phone_case(wave=wave, by=interviewer)
    second = take_next_phone_case(wave=wave, by=other)
    assert {first.pk, second.pk} == {c.pk for c in cases}
    third = make_staff("interviewer-3", Role.INTERVIEWER)
    assert take_next_phone_case(wave=wave, by=third) is None
    # Asking again gives the interviewer the case they already hold.
    assert take_next_phone_case(wave=wave, by=interviewer).pk == first.pk


def test_a_hold_left_to_run_out_lets_another_interviewer_take_the_case(analyst, interviewer):
    wave, (case,) = phone_wave(analyst, numbers=NUMBERS[:1])
    take_next_phone_case(wave=wave, by=interviewer)
    other = make_staff("interviewer-2", Role.INTERVIEWER)
    assert take_next_phone_case(wave=wave, by=other) is None
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        assert take_next_phone_case(wave=wave, by=other).pk == case.pk
        with pytest.raises(PhoneError):
            record_call(case=case, disposition="3.13", by=interviewer)


def test_callbacks_due_come_first_then_the_least_called_numbers(analyst, interviewer):
    wave, cases = phone_wave(analyst)
    now = timezone.now()
    PhoneCase.objects.filter(pk=cases[0].pk).update(attempts=2)
    PhoneCase.objects.filter(pk=cases[3].pk).update(
        status=PhoneCaseStatus.CALLBACK, callback_at=now - datetime.timedelta(minutes=5), attempts=1
    )
    PhoneCase.objects.filter(pk=cases[4].pk).update(
        status=PhoneCaseStatus.CALLBACK, callback_at=now + datetime.timedelta(hours=2), attempts=1
    )
    PhoneCase.objects.filter(pk=cases[1].pk).update(status=PhoneCaseStatus.FINAL)
    order = list(phone_queue(wave, now=now).values_list("pk", flat=True))
    # The due callback; then never called (case 2); then called twice (case 0). The callback
    # still to come and the finished case are not in the queue.
    assert order == [cases[3].pk, cases[2].pk, cases[0].pk]
    assert take_next_phone_case(wave=wave, by=interviewer).pk == cases[3].pk


def test_a_number_not_reached_is_not_called_again_within_the_hour(analyst, interviewer):
    wave, (case,) = phone_wave(analyst, numbers=NUMBERS[:1])
    take_next_phone_case(wave=wave, by=interviewer)
    record_call(case=case, disposition="3.13", by=interviewer)
    assert take_next_phone_case(wave=wave, by=interviewer) is None
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=61)):
        assert take_next_phone_case(wave=wave, by=interviewer).pk == case.pk


def test_only_interviewers_take_cases_and_only_from_open_waves(analyst, interviewer):
    wave, _cases = phone_wave(analyst)
    with pytest.raises(PermissionDenied):
        take_next_phone_case(wave=wave, by=analyst)
    wave.status = WaveStatus.CLOSED
    wave.save()
    with pytest.raises(PhoneError):
        take_next_phone_case(wave=wave, by=interviewer)


INTERVIEWERS = 8


@pytest.mark.django_db(transaction=True)
def test_interviewers_asking_at_once_each_get_a_different_case():
    analyst = make_staff("analyst-c", Role.ANALYST)
    wave, cases = phone_wave(analyst, numbers=NUMBERS[:3])
    people = [make_staff(f"caller-{n}", Role.INTERVIEWER) for n in range(INTERVIEWERS)]
    start = threading.Barrier(INTERVIEWERS)
    got: list = [None] * INTERVIEWERS

    def ask(n):
        try:
            start.wait()
            case = take_next_phone_case(wave=wave, by=people[n])
            got[n] = case.pk if case else "none"
        except Exception as error:  # anything else fails the test below
            got[n] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(INTERVIEWERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    taken = [pk for pk in got if pk != "none"]
    assert sorted(taken) == sorted(c.pk for c in cases), got
    assert got.count("none") == INTERVIEWERS - len(cases)
    holders = PhoneCase.objects.values_list("held_by", flat=True)
    assert len(set(holders)) == len(cases)


# --- Calls and their dispositions -----------------------------------------------------------------


def _taken(analyst, interviewer, **options):
    wave, (case, *_rest) = phone_wave(analyst, numbers=NUMBERS[:1], **options)
    assert take_next_phone_case(wave=wave, by=interviewer).pk == case.pk
    return wave, case


def test_a_non_contact_puts_the_number_back_and_counts_the_call(analyst, interviewer):
    _wave, case = _taken(analyst, interviewer)
    attempt = record_call(case=case, disposition="3.12", by=interviewer, note="Busy tone")
    case.refresh_from_db()
    assert (case.status, case.disposition, case.attempts) == (PhoneCaseStatus.TO_CALL, "3.12", 1)
    assert (case.held_by, case.held_until) == (None, None)
    assert (attempt.interviewer, attempt.disposition, attempt.note) == (
        interviewer,
        "3.12",
        "Busy tone",
    )


def test_a_final_disposition_finishes_the_number(analyst, interviewer):
    wave, case = _taken(analyst, interviewer)
    record_call(case=case, disposition="2.11", by=interviewer)
    case.refresh_from_db()
    assert (case.status, case.disposition) == (PhoneCaseStatus.FINAL, "2.11")
    assert take_next_phone_case(wave=wave, by=interviewer) is None


def test_a_callback_keeps_the_number_for_its_time(analyst, interviewer):
    wave, case = _taken(analyst, interviewer)
    when = timezone.now() + datetime.timedelta(hours=3)
    record_call(case=case, disposition="callback", callback_at=when, by=interviewer)
    case.refresh_from_db()
    assert (case.status, case.disposition, case.callback_at) == (
        PhoneCaseStatus.CALLBACK,
        "2.21",
        when,
    )
    assert take_next_phone_case(wave=wave, by=interviewer) is None
    with time_machine.travel(when + datetime.timedelta(minutes=1)):
        assert take_next_phone_case(wave=wave, by=interviewer).pk == case.pk


@pytest.mark.parametrize(
    ("disposition", "callback_in", "message"),
    [
        ("callback", None, "Give the day and time"),
        ("callback", datetime.timedelta(hours=-1), "has passed"),
        ("callback", datetime.timedelta(days=90), "wave closes"),
        ("1.1", None, "finishing the interview"),
        ("9.99", None, "Choose what happened"),
        ("", None, "Choose what happened"),
    ],
)
def test_calls_that_cannot_be_recorded_are_refused_and_change_nothing(
    analyst, interviewer, disposition, callback_in, message
):
    _wave, case = _taken(analyst, interviewer)
    callback_at = timezone.now() + callback_in if callback_in else None
    with pytest.raises(PhoneError, match=message):
        record_call(case=case, disposition=disposition, callback_at=callback_at, by=interviewer)
    case.refresh_from_db()
    assert (case.attempts, case.status, case.held_by) == (0, PhoneCaseStatus.TO_CALL, interviewer)
    assert CallAttempt.objects.count() == 0


def test_the_last_allowed_call_finishes_the_number_with_its_disposition(analyst, interviewer):
    wave, case = _taken(analyst, interviewer)
    set_max_call_attempts(wave=wave, value=2, by=analyst)
    record_call(case=case, disposition="3.13", by=interviewer)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)):
        assert take_next_phone_case(wave=wave, by=interviewer).pk == case.pk
        record_call(case=case, disposition="2.222", by=interviewer)
    case.refresh_from_db()
    assert (case.status, case.disposition, case.attempts) == (PhoneCaseStatus.FINAL, "2.222", 2)


def test_the_number_of_calls_is_kept_within_bounds(analyst):
    wave = make_wave()
    for bad in (0, 21):
        with pytest.raises(PhoneError):
            set_max_call_attempts(wave=wave, value=bad, by=analyst)
    with pytest.raises(PermissionDenied):
        set_max_call_attempts(wave=wave, value=3, by=make_staff("i", Role.INTERVIEWER))


def test_only_the_interviewer_holding_a_number_records_its_calls(analyst, interviewer):
    _wave, case = _taken(analyst, interviewer)
    other = make_staff("interviewer-2", Role.INTERVIEWER)
    with pytest.raises(PhoneError):
        record_call(case=case, disposition="3.13", by=other)
    with pytest.raises(PermissionDenied):
        record_call(case=case, disposition="3.13", by=analyst)
    hand_back_phone_case(case=case, by=interviewer)
    case.refresh_from_db()
    assert case.held_by is None and case.attempts == 0
    assert take_next_phone_case(wave=case.wave, by=other).pk == case.pk


# --- The interview ----------------------------------------------------------------------------------


def test_the_interview_is_stored_with_no_link_to_its_number_or_interviewer(analyst, interviewer):
    wave, case = _taken(analyst, interviewer)
    save_interview_page(case=case, answers=dict(COMPLETE_ANSWERS), page=3, by=interviewer)
    finish_interview(case=case, by=interviewer)

    response = Response.objects.get()
    assert (response.channel, response.recruitment, response.language) == (
        Channel.PHONE,
        Recruitment.PHONE_SAMPLE,
        "es",
    )
    assert response.district == case.district
    # Every column of the response and its answers: none names the case, the sample, the
    # number, the interviewer or a time.
    columns = {f.column for f in Response._meta.concrete_fields}
    assert columns == {
        "id",
        "wave_id",
        "channel",
        "recruitment",
        "language",
        "district_id",
        "design_weight",
        "weight",
    }
    answer_columns = {f.column for f in Answer._meta.concrete_fields}
    assert answer_columns == {"id", "response_id", "question_id", "choice_id", "number", "text"}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT wave_id, channel, recruitment, language, district_id, design_weight, weight"
            " FROM surveys_response"
        )
        assert cursor.fetchall() == [
            (wave.pk, "phone", "phone_sample", "es", case.district_id, 1.0, None)
        ]
        cursor.execute("SELECT text FROM surveys_answer WHERE text != ''")
        texts = [row[0] for row in cursor.fetchall()]
    assert response.pk not in {case.pk, interviewer.pk, case.sample_id}
    assert texts == [COMPLETE_ANSWERS["comment"]]

    case.refresh_from_db()
    assert (case.used, case.status, case.disposition, case.attempts) == (
        True,
        PhoneCaseStatus.FINAL,
        "1.1",
        1,
    )
    assert (case.held_by, case.held_until) == (None, None)
    assert not Draft.objects.filter(key_hash=interview_draft_key(case)).exists()
    assert CallAttempt.objects.get().disposition == "1.1"


def test_an_incomplete_interview_is_refused_and_nothing_is_stored(analyst, interviewer):
    _wave, case = _taken(analyst, interviewer)
    save_interview_page(case=case, answers={"safe": "4"}, page=1, by=interviewer)
    with pytest.raises(InvalidAnswers) as refused:
        finish_interview(case=case, by=interviewer)
    assert "contact" in refused.value.errors
    case.refresh_from_db()
    assert (case.used, case.status, case.held_by) == (False, PhoneCaseStatus.TO_CALL, interviewer)
    assert Response.objects.count() == 0
    assert Draft.objects.filter(key_hash=interview_draft_key(case)).exists()


def test_a_number_is_interviewed_once(analyst, interviewer):
    _wave, case = _taken(analyst, interviewer)
    save_interview_page(case=case, answers=dict(COMPLETE_ANSWERS), page=3, by=interviewer)
    finish_interview(case=case, by=interviewer)
    with pytest.raises(PhoneError):
        finish_interview(case=case, by=interviewer)
    assert Response.objects.count() == 1


# --- Nothing personal in the audit log or the logs --------------------------------------------------


def test_no_phone_number_reaches_the_audit_log_or_the_logs(analyst, interviewer, caplog):
    caplog.set_level(logging.DEBUG)
    wave, _cases = phone_wave(analyst)
    first = take_next_phone_case(wave=wave, by=interviewer)
    record_call(case=first, disposition="3.13", by=interviewer, note="no answer")
    second = take_next_phone_case(wave=wave, by=interviewer)
    save_interview_page(case=second, answers=dict(COMPLETE_ANSWERS), page=3, by=interviewer)
    finish_interview(case=second, by=interviewer)
    with pytest.raises(PhoneSampleRefused):
        import_phone_sample(wave=wave, content=sample_csv([(NUMBERS[0], "D1", "es")]), by=analyst)

    events = AuditEvent.objects.all()
    assert {e.action for e in events} >= {
        "survey.phone_sample_imported",
        "survey.phone_case_taken",
        "survey.call_recorded",
        "survey.response_entered",
    }
    text = " ".join(
        f"{e.action} {e.target_type} {e.target_id} {e.data} {e.actor_label}" for e in events
    ) + " ".join(r.getMessage() for r in caplog.records)
    digits = "".join(ch for ch in text if ch.isdigit() or ch == " ")
    for number in E164:
        national = number[2:]
        assert national not in text and national not in digits.replace(" ", "")
        assert national[-7:] not in text


# --- Paper questionnaires -----------------------------------------------------------------------------


def test_a_paper_questionnaire_with_its_invitation_code_uses_the_code(interviewer):
    wave = make_wave()
    (code, invitation), *_rest = make_invitations(wave)
    response = enter_paper_response(
        wave=wave,
        answers=dict(COMPLETE_ANSWERS),
        language="es",
        invitation_code=code,
        by=interviewer,
    )
    invitation.refresh_from_db()
    assert invitation.used
    assert (response.channel, response.recruitment, response.district.code) == (
        Channel.PAPER,
        Recruitment.ADDRESS_SAMPLE,
        "D1",
    )
    with pytest.raises(actions.CodeAlreadyUsed):
        enter_paper_response(
            wave=wave,
            answers=dict(COMPLETE_ANSWERS),
            language="es",
            invitation_code=code,
            by=interviewer,
        )
    assert Invitation.objects.filter(used=True).count() == 1


def test_a_paper_questionnaire_handed_out_in_person_keeps_the_district_given(engagement_officer):
    wave = make_wave()
    from commonground.surveys.tests.factories import make_districts

    district, _other = make_districts()
    response = enter_paper_response(
        wave=wave,
        answers=dict(COMPLETE_ANSWERS),
        language="en",
        district=district,
        by=engagement_officer,
    )
    assert (response.channel, response.recruitment, response.district) == (
        Channel.PAPER,
        Recruitment.IN_PERSON,
        district,
    )


def test_paper_entry_is_refused_to_roles_without_it_and_in_other_languages(analyst, interviewer):
    wave = make_wave()
    with pytest.raises(PermissionDenied):
        enter_paper_response(wave=wave, answers=dict(COMPLETE_ANSWERS), language="en", by=analyst)
    with pytest.raises(PhoneError):
        enter_paper_response(
            wave=wave, answers=dict(COMPLETE_ANSWERS), language="fr", by=interviewer
        )
    assert Response.objects.count() == 0


# --- Erasing the numbers when the wave closes ----------------------------------------------------


def test_a_closed_waves_numbers_are_erased_and_its_outcomes_kept(analyst, interviewer):
    wave, cases = phone_wave(analyst)
    take_next_phone_case(wave=wave, by=interviewer)
    record_call(case=cases[0], disposition="2.11", by=interviewer)
    with pytest.raises(PhoneError):
        erase_phone_numbers(wave=wave, by=analyst)
    wave.status = WaveStatus.CLOSED
    wave.save()
    with pytest.raises(PermissionDenied):
        erase_phone_numbers(wave=wave, by=interviewer)
    assert erase_phone_numbers(wave=wave, by=analyst) == len(cases)
    assert not PhoneCase.objects.filter(phone__isnull=False).exists()
    cases[0].refresh_from_db()
    assert (cases[0].disposition, cases[0].status, cases[0].attempts) == ("2.11", "final", 1)
    event = AuditEvent.objects.get(action="survey.phone_numbers_erased")
    assert event.data == {"numbers": len(cases)}
