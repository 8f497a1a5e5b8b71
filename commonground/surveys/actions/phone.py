"""Telephone interviewing (phone samples, the queue, calls, interviews) and paper entry."""

import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from commonground.accounts.rules import require
from commonground.audit.actions import record
from commonground.lib.crypto import keyed_hash
from commonground.roster.models import District
from commonground.surveys import phone as phone_rules
from commonground.surveys.actions.answers import submit_response
from commonground.surveys.models import (
    CallAttempt,
    Channel,
    Draft,
    PhoneCase,
    PhoneCaseStatus,
    Recruitment,
    Response,
    Sample,
    SampleKind,
    Wave,
    WaveStatus,
)

MAX_CALL_ATTEMPTS_LIMIT = 20


class PhoneError(Exception):
    """A phone or paper request that cannot be done; the message says why, for the staff
    member. Messages never carry a phone number."""


class PhoneSampleRefused(PhoneError):
    """A phone sample file refused as a whole, with what is wrong on each line."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(
            _("Nothing was imported: correct the lines listed and upload the file again.")
        )
        self.errors = errors


def interview_draft_key(case: PhoneCase) -> str:
    """The keyed hash an interview in progress is kept under (a Draft, deleted in the
    transaction that stores the response)."""
    return keyed_hash(str(case.pk), "survey-phone-interview")


def _check_max_attempts(value: int) -> None:
    if not 1 <= value <= MAX_CALL_ATTEMPTS_LIMIT:
        raise PhoneError(
            _("Give a number of calls from 1 to %(max)s.") % {"max": MAX_CALL_ATTEMPTS_LIMIT}
        )


@transaction.atomic
def import_phone_sample(*, wave: Wave, content: bytes, by) -> Sample:
    """A list of phone numbers for the wave, each with its district and language: every line
    is checked (a valid number, not twice in the file or the wave, a known district, a
    language of the questionnaire) and the file is imported whole or not at all. Numbers are
    stored encrypted, in E.164 form; the audit event counts them and names none."""
    require(by, "surveys.sample", wave)
    wave = Wave.objects.select_for_update().select_related("instrument").get(pk=wave.pk)
    if wave.status not in (WaveStatus.DRAFT, WaveStatus.OPEN):
        raise PhoneError(_("This wave is closed: numbers can no longer be added to it."))
    try:
        rows = phone_rules.read_rows(content)
    except phone_rules.SampleFileError as error:
        raise PhoneSampleRefused([(1, str(error))]) from None
    districts = {d.code.upper(): d for d in District.objects.all()}
    instrument = wave.instrument
    languages = list(instrument.languages or [instrument.default_language])
    in_wave = {(case.phone or {}).get("number") for case in wave.phone_cases.only("phone")}
    seen: dict[str, int] = {}
    errors: list[tuple[int, str]] = []
    cases: list[PhoneCase] = []
    for row in rows:
        problems = []
        number = None
        try:
            number = phone_rules.normalise_phone(row.phone)
        except ValueError as error:
            problems.append(str(error))
        district = districts.get(row.district_code.upper())
        if not row.district_code:
            problems.append(_("The district is empty."))
        elif district is None:
            problems.append(
                _("There is no district with the code '%(code)s'.")
                % {"code": row.district_code[:20]}
            )
        language = row.language or instrument.default_language
        if language not in languages:
            problems.append(
                _("'%(language)s' is not a language of this questionnaire (%(languages)s).")
                % {"language": language[:8], "languages": ", ".join(languages)}
            )
        if number in in_wave:
            problems.append(_("This number is already in the wave's sample."))
        elif number in seen:
            problems.append(
                _("The same number is already on line %(line)s.") % {"line": seen[number]}
            )
        if number:
            seen.setdefault(number, row.line)
        if problems:
            errors.append((row.line, " ".join(problems)))
            continue
        cases.append(
            PhoneCase(wave=wave, phone={"number": number}, district=district, language=language)
        )
    if errors:
        raise PhoneSampleRefused(errors)
    # An imported list is not drawn here: no seed, and no strata, so design weights are 1.
    sample = Sample.objects.create(
        wave=wave, kind=SampleKind.PHONE, seed=0, strata={}, drawn_at=timezone.now(), drawn_by=by
    )
    for case in cases:
        case.sample = sample
    PhoneCase.objects.bulk_create(cases)
    per_district: dict[str, int] = {}
    for case in cases:
        per_district[case.district.code] = per_district.get(case.district.code, 0) + 1
    record(
        actor=by,
        action="survey.phone_sample_imported",
        target=sample,
        data={"wave": wave.pk, "cases": len(cases), "districts": per_district},
    )
    return sample


@transaction.atomic
def set_max_call_attempts(*, wave: Wave, value: int, by) -> Wave:
    """How many calls a number gets before it is finished without a final disposition."""
    require(by, "surveys.sample", wave)
    _check_max_attempts(value)
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    if wave.status not in (WaveStatus.DRAFT, WaveStatus.OPEN):
        raise PhoneError(_("This wave is closed: its calling rules can no longer change."))
    before = wave.max_call_attempts
    wave.max_call_attempts = value
    wave.save(update_fields=["max_call_attempts"])
    record(
        actor=by,
        action="survey.max_call_attempts_set",
        target=wave,
        data={"from": before, "to": value},
    )
    return wave


def _free_to_claim(now) -> Q:
    return Q(held_by__isnull=True) | Q(held_until__lte=now)


@transaction.atomic
def take_next_phone_case(*, wave: Wave, by) -> PhoneCase | None:
    """The next number for this interviewer to call, held for them for HOLD_MINUTES: the case
    they already hold, else the first case of the queue (callbacks due, then numbers never or
    not recently called) that nobody else holds. Each candidate is taken by a conditional
    UPDATE, so two interviewers asking at the same moment never get the same case. None when
    there is nothing to call now. The interviewer will read the number: that is audited."""
    from commonground.surveys.selectors import phone_queue

    require(by, "surveys.interview", wave)
    if not Wave.objects.filter(pk=wave.pk, status=WaveStatus.OPEN).exists():
        raise PhoneError(_("This wave is not open: there are no calls to make."))
    now = timezone.now()
    held = (
        PhoneCase.objects.filter(wave=wave, held_by=by, held_until__gt=now, used=False)
        .exclude(status=PhoneCaseStatus.FINAL)
        .first()
    )
    if held is not None:
        return held
    until = now + datetime.timedelta(minutes=phone_rules.HOLD_MINUTES)
    for pk in phone_queue(wave, now=now).values_list("pk", flat=True)[:25]:
        taken = PhoneCase.objects.filter(
            _free_to_claim(now),
            pk=pk,
            wave=wave,
            used=False,
            status__in=[PhoneCaseStatus.TO_CALL, PhoneCaseStatus.CALLBACK],
        ).update(held_by=by, held_until=until)
        if taken == 1:
            case = PhoneCase.objects.get(pk=pk)
            record(
                actor=by,
                action="survey.phone_case_taken",
                target=case,
                data={"wave": wave.pk, "attempts": case.attempts},
            )
            return case
    return None


def _held(case: PhoneCase, by) -> PhoneCase:
    """The case, locked, if `by` holds it now and it is still to be worked."""
    case = PhoneCase.objects.select_for_update().select_related("wave").get(pk=case.pk)
    now = timezone.now()
    if case.held_by_id != by.pk or case.held_until is None or case.held_until <= now:
        raise PhoneError(
            _(
                "You no longer hold this number (it was handed back or timed out). Take the next case from the queue."
            )
        )
    if case.used or case.status == PhoneCaseStatus.FINAL:
        raise PhoneError(_("This number is already finished: nothing was recorded."))
    if case.wave.status != WaveStatus.OPEN:
        raise PhoneError(_("This wave is not open: calls can no longer be recorded."))
    return case


@transaction.atomic
def record_call(
    *,
    case: PhoneCase,
    disposition: str,
    by,
    callback_at: datetime.datetime | None = None,
    note: str = "",
) -> CallAttempt:
    """One call to a number, with its AAPOR disposition (or a callback booked for a time,
    recorded as 2.21). A final disposition, or the wave's last allowed call, finishes the
    case; a callback keeps it for its time; anything else puts it back in the queue. The
    interviewer's hold ends. The audit event names the code, never the number or the note."""
    require(by, "surveys.interview", case.wave)
    case = _held(case, by)
    now = timezone.now()
    if disposition == phone_rules.COMPLETE:
        raise PhoneError(
            _(
                "A complete interview is recorded by finishing the interview, not by choosing it here."
            )
        )
    if disposition == phone_rules.CALLBACK:
        if callback_at is None:
            raise PhoneError(_("Give the day and time to call back."))
        if callback_at <= now:
            raise PhoneError(_("That time has passed: give a day and time still to come."))
        if timezone.localdate(callback_at) > case.wave.closes_on:
            raise PhoneError(
                _("The wave closes on %(day)s: book the callback for that day or earlier.")
                % {"day": case.wave.closes_on.isoformat()}
            )
        code = phone_rules.CALLBACK_CODE
    elif disposition in phone_rules.CHOOSABLE_CODES:
        code, callback_at = disposition, None
    else:
        raise PhoneError(_("Choose what happened on the call."))
    attempt = CallAttempt.objects.create(
        case=case,
        interviewer=by,
        called_at=now,
        disposition=code,
        callback_at=callback_at,
        note=note.strip()[:300],
    )
    case.attempts += 1
    case.disposition = code
    if phone_rules.is_final(code) or case.attempts >= case.wave.max_call_attempts:
        case.status, case.callback_at = PhoneCaseStatus.FINAL, None
    elif callback_at is not None:
        case.status, case.callback_at = PhoneCaseStatus.CALLBACK, callback_at
    else:
        case.status, case.callback_at = PhoneCaseStatus.TO_CALL, None
    case.held_by, case.held_until = None, None
    case.save(
        update_fields=["attempts", "disposition", "status", "callback_at", "held_by", "held_until"]
    )
    Draft.objects.filter(key_hash=interview_draft_key(case)).delete()
    record(
        actor=by,
        action="survey.call_recorded",
        target=case,
        data={"disposition": code, "attempt": case.attempts, "status": case.status},
    )
    return attempt


@transaction.atomic
def hand_back_phone_case(*, case: PhoneCase, by) -> PhoneCase:
    """The interviewer gives the number back to the queue without calling it."""
    require(by, "surveys.interview", case.wave)
    case = _held(case, by)
    case.held_by, case.held_until = None, None
    case.save(update_fields=["held_by", "held_until"])
    Draft.objects.filter(key_hash=interview_draft_key(case)).delete()
    record(actor=by, action="survey.phone_case_handed_back", target=case, data={})
    return case


@transaction.atomic
def save_interview_page(*, case: PhoneCase, answers: dict, page: int, by) -> Draft:
    """The answers so far of an interview in progress (all pages, merged), and the page
    reached; the interviewer's hold is renewed. Not audited: the call it belongs to is, and a
    trail of page times would only date the interview more finely."""
    require(by, "surveys.interview", case.wave)
    case = _held(case, by)
    now = timezone.now()
    PhoneCase.objects.filter(pk=case.pk).update(
        held_until=now + datetime.timedelta(minutes=phone_rules.HOLD_MINUTES)
    )
    draft, _created = Draft.objects.update_or_create(
        key_hash=interview_draft_key(case),
        defaults={
            "wave": case.wave,
            "language": case.language,
            "answers": answers,
            "page": page,
            "updated_at": now,
        },
    )
    return draft


def finish_interview(*, case: PhoneCase, by) -> None:
    """Stores the interview through `submit_response` (channel phone, recruited by the phone
    sample, in the respondent's language), which uses the case once and keeps no link from the
    response to it or to the interviewer; in the same transaction the call is recorded as
    complete (1.1) and the interviewer's hold ends. InvalidAnswers when the answers are not
    complete; nothing is stored then."""
    require(by, "surveys.interview", case.wave)
    with transaction.atomic():
        case = _held(case, by)
        key = interview_draft_key(case)
        draft = Draft.objects.filter(key_hash=key, wave=case.wave).first()
        submit_response(
            wave=case.wave,
            answers=dict(draft.answers) if draft else {},
            language=case.language,
            channel=Channel.PHONE,
            recruitment=Recruitment.PHONE_SAMPLE,
            phone_case=case,
            by=by,
            draft_key_hash=key,
        )
        CallAttempt.objects.create(
            case=case, interviewer=by, called_at=timezone.now(), disposition=phone_rules.COMPLETE
        )
        PhoneCase.objects.filter(pk=case.pk).update(
            attempts=F("attempts") + 1, held_by=None, held_until=None, callback_at=None
        )
        record(
            actor=by,
            action="survey.call_recorded",
            target=case,
            data={
                "disposition": phone_rules.COMPLETE,
                "attempt": case.attempts + 1,
                "status": PhoneCaseStatus.FINAL,
            },
        )


def enter_paper_response(
    *,
    wave: Wave,
    answers: dict,
    language: str,
    by,
    invitation_code: str = "",
    district=None,
) -> Response:
    """A paper questionnaire typed in by staff, through `submit_response` with the same checks
    as every channel: with the invitation code printed on it (recruited by the address sample,
    the code used once), or without one (handed out in person; the district the respondent
    gave, if any)."""
    require(by, "surveys.enter_paper", wave)
    languages = wave.instrument.languages or [wave.instrument.default_language]
    if language not in languages:
        raise PhoneError(_("Choose the language the questionnaire was printed in."))
    code = (invitation_code or "").strip()
    return submit_response(
        wave=wave,
        answers=answers,
        language=language,
        channel=Channel.PAPER,
        recruitment=Recruitment.ADDRESS_SAMPLE if code else Recruitment.IN_PERSON,
        invitation_code=code or None,
        district=None if code else district,
        by=by,
    )


@transaction.atomic
def erase_phone_numbers(*, wave: Wave, by) -> int:
    """Deletes every phone number of a wave that has closed (the cases, their calls and
    dispositions stay, for the response rates). Whatever closes a wave should call this in
    the same step; until then staff who draw samples can do it from the sample page. Returns
    how many numbers were erased."""
    require(by, "surveys.sample", wave)
    if not Wave.objects.filter(
        pk=wave.pk, status__in=[WaveStatus.CLOSED, WaveStatus.PUBLISHED]
    ).exists():
        raise PhoneError(_("Numbers are erased once the wave has closed: this wave is still open."))
    cases = PhoneCase.objects.filter(wave=wave, phone__isnull=False)
    erased = cases.update(phone=None, held_by=None, held_until=None)
    record(actor=by, action="survey.phone_numbers_erased", target=wave, data={"numbers": erased})
    return erased
