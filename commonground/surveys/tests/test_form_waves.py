"""Waves: created as drafts, then open → closed → published through one action; a published
wave never changes; closing erases every phone number (and letter code) of the wave in the
same transaction."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.conftest import make_staff
from commonground.surveys import actions
from commonground.surveys.actions import DesignError
from commonground.surveys.models import Draft, Invitation, PhoneCase, Wave, WaveStatus
from commonground.surveys.tests.factories import make_instrument, make_invitations, make_wave
from commonground.surveys.tests.form_helpers import designer

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 1, 5)


@pytest.fixture
def by():
    return designer()


@pytest.fixture
def analyst_user():
    return make_staff("wave-analyst", Role.ANALYST)


def _phone_cases(wave, numbers):
    return [PhoneCase.objects.create(wave=wave, phone={"phone": n}) for n in numbers]


def test_a_wave_is_created_as_a_draft_with_checked_dates_and_questionnaire(by):
    instrument = make_instrument()
    wave = actions.create_wave(
        survey=instrument.survey,
        by=by,
        label="2026 Q1",
        opens_on=DAY,
        closes_on=DAY + datetime.timedelta(days=30),
        instrument=instrument,
        open_link=True,
    )
    assert (wave.status, wave.open_link) == (WaveStatus.DRAFT, True)
    with pytest.raises(DesignError) as refused:
        actions.create_wave(
            survey=instrument.survey,
            by=by,
            label="2026 Q1",
            opens_on=DAY,
            closes_on=DAY - datetime.timedelta(days=1),
            instrument=make_instrument(make_survey_other()),
        )
    problems = refused.value.message_dict
    assert problems["label"] == ["Another wave of this survey has this name."]
    assert problems["closes_on"] == ["The wave cannot close before it opens."]
    assert problems["instrument"] == ["Choose one of this survey's questionnaires."]


def make_survey_other():
    from commonground.surveys.tests.factories import make_survey

    return make_survey("other")


def test_the_lifecycle_runs_in_order_and_only_forwards(by, analyst_user):
    wave = make_wave(status=WaveStatus.DRAFT)
    with pytest.raises(DesignError):
        actions.transition_wave(wave=wave, to=WaveStatus.CLOSED, by=by)
    actions.transition_wave(wave=wave, to=WaveStatus.OPEN, by=by)
    with pytest.raises(DesignError):
        actions.transition_wave(wave=wave, to=WaveStatus.DRAFT, by=by)
    actions.transition_wave(wave=wave, to=WaveStatus.CLOSED, by=by)
    # Publishing is the analysts' decision.
    with pytest.raises(PermissionDenied):
        actions.transition_wave(wave=wave, to=WaveStatus.PUBLISHED, by=by)
    actions.transition_wave(wave=wave, to=WaveStatus.PUBLISHED, by=analyst_user)
    wave.refresh_from_db()
    assert wave.status == WaveStatus.PUBLISHED and wave.published_at is not None


def test_a_published_wave_never_changes(analyst_user):
    wave = make_wave(status=WaveStatus.PUBLISHED)
    before = Wave.objects.filter(pk=wave.pk).values().get()
    for to in (*WaveStatus.values, "anything"):
        with pytest.raises(DesignError) as refused:
            actions.transition_wave(wave=wave, to=to, by=analyst_user)
        if to in WaveStatus.values:
            assert str(refused.value.messages[0]) == "A published wave never changes."
    with pytest.raises(DesignError):
        actions.edit_wave(
            wave=wave,
            by=analyst_user,
            label="renamed",
            opens_on=wave.opens_on,
            closes_on=wave.closes_on,
            instrument=wave.instrument,
            open_link=False,
        )
    assert Wave.objects.filter(pk=wave.pk).values().get() == before


def test_an_open_wave_changes_only_its_closing_date_and_open_link(by):
    wave = make_wave(status=WaveStatus.OPEN, open_link=True)
    later = wave.closes_on + datetime.timedelta(days=7)
    actions.edit_wave(
        wave=wave,
        by=by,
        label=wave.label,
        opens_on=wave.opens_on,
        closes_on=later,
        instrument=wave.instrument,
        open_link=False,
    )
    wave.refresh_from_db()
    assert (wave.closes_on, wave.open_link) == (later, False)
    with pytest.raises(DesignError):
        actions.edit_wave(
            wave=wave,
            by=by,
            label="renamed",
            opens_on=wave.opens_on,
            closes_on=later,
            instrument=wave.instrument,
            open_link=False,
        )


def test_a_wave_opens_only_with_a_question_to_ask(by):
    from commonground.surveys.tests.factories import make_survey

    survey = make_survey("empty")
    empty = actions.create_instrument(
        survey=survey, by=by, name="empty", title={"en": "E", "es": "E"}, languages=["en", "es"]
    )
    wave = actions.create_wave(
        survey=survey, by=by, label="W", opens_on=DAY, closes_on=DAY, instrument=empty
    )
    with pytest.raises(DesignError) as refused:
        actions.transition_wave(wave=wave, to=WaveStatus.OPEN, by=by)
    assert "no question" in str(refused.value)


def test_closing_a_wave_erases_every_phone_number_and_letter_code(by):
    wave = make_wave(status=WaveStatus.OPEN)
    other = make_wave(wave.instrument, status=WaveStatus.OPEN, label="other")
    _phone_cases(wave, ["+1 555 0100", "+1 555 0101", "+1 555 0102"])
    (kept,) = _phone_cases(other, ["+1 555 0199"])
    make_invitations(wave)
    actions.transition_wave(wave=wave, to=WaveStatus.CLOSED, by=by)

    assert all(case.phone is None for case in PhoneCase.objects.filter(wave=wave))
    assert all(inv.code is None for inv in Invitation.objects.filter(wave=wave))
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM surveys_phonecase WHERE wave_id = %s", [wave.pk])
        assert [row[0] for row in cursor.fetchall()] == [None, None, None]
        cursor.execute("SELECT code FROM surveys_invitation WHERE wave_id = %s", [wave.pk])
        assert {row[0] for row in cursor.fetchall()} == {None}
    # The invitations still work as hashes (a used code stays used); other waves keep theirs.
    assert Invitation.objects.filter(wave=wave).exclude(code_hash="").count() == 4
    kept.refresh_from_db()
    assert kept.phone == {"phone": "+1 555 0199"}


def test_closing_a_wave_deletes_its_half_answered_questionnaires(by):
    wave = make_wave(status=WaveStatus.OPEN)
    other = make_wave(wave.instrument, status=WaveStatus.OPEN, label="other")
    for key, on in (("a" * 64, wave), ("b" * 64, wave), ("c" * 64, other)):
        actions.start_draft(wave=on, key_hash=key, language="en")
    actions.transition_wave(wave=wave, to=WaveStatus.CLOSED, by=by)
    assert list(Draft.objects.values_list("key_hash", flat=True)) == ["c" * 64]
    event = AuditEvent.objects.filter(action="survey.wave_status").latest("pk")
    assert event.data["drafts_deleted"] == 2


def test_closing_is_one_transaction_with_its_erasure(by, monkeypatch):
    wave = make_wave(status=WaveStatus.OPEN)
    _phone_cases(wave, ["+1 555 0100"])

    def failing_record(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(actions.form, "record", failing_record)
    with pytest.raises(RuntimeError):
        actions.transition_wave(wave=wave, to=WaveStatus.CLOSED, by=by)
    wave.refresh_from_db()
    assert wave.status == WaveStatus.OPEN
    assert PhoneCase.objects.get(wave=wave).phone == {"phone": "+1 555 0100"}


def test_a_closed_wave_takes_no_response():
    from commonground.surveys.actions import WaveNotOpen, submit_response
    from commonground.surveys.models import Recruitment
    from commonground.surveys.tests.factories import COMPLETE_ANSWERS

    wave = make_wave(status=WaveStatus.OPEN)
    ((code, _invitation), *_rest) = make_invitations(wave)
    actions.transition_wave(wave=wave, to=WaveStatus.CLOSED, by=designer())
    with pytest.raises(WaveNotOpen):
        submit_response(
            wave=wave,
            answers=COMPLETE_ANSWERS,
            language="en",
            channel="web",
            recruitment=Recruitment.ADDRESS_SAMPLE,
            invitation_code=code,
        )


def test_only_designers_move_waves():
    wave = make_wave(status=WaveStatus.DRAFT)
    for role in (Role.INTERVIEWER, Role.AGENCY_HEAD, Role.ADMINISTRATOR):
        with pytest.raises(PermissionDenied):
            actions.transition_wave(wave=wave, to=WaveStatus.OPEN, by=make_staff(f"w{role}", role))
    wave.refresh_from_db()
    assert wave.status == WaveStatus.DRAFT
