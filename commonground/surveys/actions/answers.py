"""Storing a response, whatever its channel: the one door every answer goes through."""

from django.db import transaction

from commonground.accounts.rules import require
from commonground.audit.actions import record
from commonground.surveys import codes
from commonground.surveys.answers import clean_answers, questions_of
from commonground.surveys.models import (
    CHOICE_KINDS,
    Answer,
    Channel,
    Draft,
    Invitation,
    PhoneCase,
    PhoneCaseStatus,
    QuestionKind,
    Recruitment,
    Response,
    Wave,
    WaveStatus,
)


class SubmissionRefused(Exception):
    """A response that cannot be stored; the message says why, for the person answering."""


class WaveNotOpen(SubmissionRefused):
    pass


class UnknownCode(SubmissionRefused):
    pass


class CodeAlreadyUsed(SubmissionRefused):
    pass


class CaseAlreadyUsed(SubmissionRefused):
    pass


class InvalidAnswers(SubmissionRefused):
    def __init__(self, errors: dict[str, str]):
        super().__init__("Some answers need attention.")
        self.errors = errors


# Who may enter a response for each staff channel; online responses are the resident's own.
ENTERED_BY = {Channel.PHONE: "surveys.interview", Channel.PAPER: "surveys.enter_paper"}
# AAPOR's final disposition of a completed interview.
COMPLETE = "1.1"


def _design_weight(sample, district) -> float:
    """Units in the frame over units drawn, in the district's stratum of the sample; 1 when
    the sample says nothing of it."""
    if sample is None or district is None:
        return 1.0
    stratum = (sample.strata or {}).get(district.code)
    try:
        frame_units, drawn_units = (float(n) for n in stratum)
    except (TypeError, ValueError):
        return 1.0
    if drawn_units <= 0 or frame_units <= 0:
        return 1.0
    return frame_units / drawn_units


def _use_invitation(wave: Wave, invitation_code: str):
    """Marks the invitation used (the one conditional UPDATE that lets one response in) and
    returns (district, design weight) of its stratum."""
    try:
        key = codes.code_hash(invitation_code)
    except codes.MalformedCode:
        raise UnknownCode("There is no invitation with this code.") from None
    taken = Invitation.objects.filter(code_hash=key, used=False, wave=wave).update(used=True)
    if taken != 1:
        if Invitation.objects.filter(code_hash=key, wave=wave).exists():
            raise CodeAlreadyUsed("This code has already been used.")
        raise UnknownCode("There is no invitation with this code.")
    invitation = Invitation.objects.select_related("sample", "district", "address__district").get(
        code_hash=key, wave=wave
    )
    district = invitation.district or (invitation.address.district if invitation.address else None)
    return district, _design_weight(invitation.sample, district)


def _use_phone_case(wave: Wave, phone_case: PhoneCase):
    taken = PhoneCase.objects.filter(pk=phone_case.pk, used=False, wave=wave).update(
        used=True, disposition=COMPLETE, status=PhoneCaseStatus.FINAL
    )
    if taken != 1:
        raise CaseAlreadyUsed("This phone case already has its interview.")
    case = PhoneCase.objects.select_related("sample", "district").get(pk=phone_case.pk)
    return case.district, _design_weight(case.sample, case.district)


def _answer_rows(response: Response, questions, answers: dict) -> list[Answer]:
    by_name = {q.name: q for q in questions}
    rows = []
    for name, value in answers.items():
        question = by_name[name]
        if question.kind in CHOICE_KINDS:
            choices = {c.value: c for c in question.choice_list.choices.all()}
            values = value if isinstance(value, list) else [value]
            rows += [
                Answer(response=response, question=question, choice=choices[v]) for v in values
            ]
        elif question.kind in (QuestionKind.TEXT, QuestionKind.LONG_TEXT):
            rows.append(Answer(response=response, question=question, text=value))
        else:
            rows.append(Answer(response=response, question=question, number=value))
    return rows


def submit_response(
    *,
    wave: Wave,
    answers: dict,
    language: str,
    channel: str,
    recruitment: str,
    invitation_code: str | None = None,
    phone_case: PhoneCase | None = None,
    district=None,
    design_weight: float | None = None,
    by=None,
    draft_key_hash: str | None = None,
) -> Response:
    """Store one completed questionnaire, in one transaction: the invitation (or phone case)
    that lets it in is marked used by a conditional UPDATE, so of any number of simultaneous
    submissions with one code exactly one gets in; the response and its answers are stored
    with nothing that points back to the invitation, the case, the address or the time; the
    resident's draft, if any, is deleted. Refused (SubmissionRefused, nothing stored) when the
    wave is not open, the code or case is unknown or used, or the answers fail `check_all`.

    No audit event is written for a resident's own submission (it would date and place it);
    a staff-entered one records only that the wave got a response."""
    if by is not None:
        require(by, ENTERED_BY.get(channel, "surveys.enter_paper"), wave)
    with transaction.atomic():
        if not Wave.objects.filter(pk=wave.pk, status=WaveStatus.OPEN).exists():
            raise WaveNotOpen("This survey is not taking answers now.")
        if (
            recruitment == Recruitment.OPEN_LINK
            and not Wave.objects.filter(pk=wave.pk, open_link=True).exists()
        ):
            raise WaveNotOpen("This survey is not taking answers through its open link now.")
        # Loaded once for the checks and the rows (the questionnaire of an open wave is locked).
        questions = questions_of(wave.instrument)
        kept, errors = clean_answers(
            wave.instrument, answers, language=language, questions=questions
        )
        if errors:
            raise InvalidAnswers(errors)
        weight = design_weight if design_weight is not None else 1.0
        if invitation_code is not None:
            stratum, weight = _use_invitation(wave, invitation_code)
            district = stratum or district
        elif phone_case is not None:
            stratum, weight = _use_phone_case(wave, phone_case)
            district = stratum or district
        response = Response.objects.create(
            wave=wave,
            channel=channel,
            recruitment=recruitment,
            language=language,
            district=district,
            design_weight=weight,
        )
        Answer.objects.bulk_create(_answer_rows(response, questions, kept))
        if draft_key_hash:
            Draft.objects.filter(key_hash=draft_key_hash, wave=wave).delete()
        if by is not None:
            record(
                actor=by,
                action="survey.response_entered",
                target=wave,
                data={"channel": channel},
            )
    return response
