"""Every write of the surveys app. Each area keeps its actions in a block of its own."""

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

# --- Answers engine: storing a response (every channel) ------------------------------------


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
        kept, errors = clean_answers(wave.instrument, answers, language=language)
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
        Answer.objects.bulk_create(_answer_rows(response, questions_of(wave.instrument), kept))
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


# --- focus: focus-group sessions, participants, the codebook of themes, coded excerpts -------

import datetime as _focus_datetime  # noqa: E402
import re as _focus_re  # noqa: E402

from django.conf import settings as _focus_settings  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.core.validators import validate_slug  # noqa: E402
from django.utils import timezone as _focus_timezone  # noqa: E402
from django.utils.translation import gettext  # noqa: E402

from commonground.surveys.categories import CATEGORIES, Variable  # noqa: E402
from commonground.surveys.models import (  # noqa: E402
    CodedExcerpt,
    FocusGroup,
    Participant,
    Survey,
    Theme,
)


class FocusError(ValidationError):
    """A focus-group write refused; its messages are keyed by the form field they concern."""


# A participant is a tag ("P1", "P12", "FG-3"): up to three letters and a number. Anything
# else (a first name, initials and a surname) is refused, so no name is ever stored.
PARTICIPANT_LABEL = _focus_re.compile(r"[A-Z]{0,3}-?[0-9]{1,4}")
EXCERPT_MAX = 4000
# The participant's descriptors, each a weighting variable's categories (blank: not recorded).
PARTICIPANT_FIELDS = {
    "age_band": Variable.AGE_BAND,
    "sex": Variable.SEX,
    "race_ethnicity": Variable.RACE_ETHNICITY,
    "tenure": Variable.TENURE,
}


def _focus_languages() -> list[str]:
    return [code for code, _name in _focus_settings.LANGUAGES]


def _squash(text: str) -> str:
    """Text compared as a reader would: case and runs of spaces and line breaks ignored."""
    return " ".join(text.split()).casefold()


def _check_session(
    *, survey: Survey, title: str, facilitator, held_on, place: str, language: str, wave
) -> dict:
    problems = {}
    if not title.strip():
        problems["title"] = gettext("Give the session a title.")
    if (
        facilitator is None
        or not facilitator.is_active
        or not getattr(facilitator, "roles", lambda: set())()
    ):
        problems["facilitator"] = gettext("Choose the member of staff who ran the session.")
    if held_on is None:
        problems["held_on"] = gettext("Give the date the session was held.")
    elif held_on > _focus_timezone.localdate():
        problems["held_on"] = gettext(
            "A session is recorded once it has been held: give a date that is not in the future."
        )
    if not place.strip():
        problems["place"] = gettext("Say where the session was held.")
    if language not in _focus_languages():
        problems["language"] = gettext("Choose the language the session was held in.")
    if wave is not None and wave.survey_id != survey.pk:
        problems["wave"] = gettext("Choose a wave of this survey, or none.")
    return problems


@transaction.atomic
def record_focus_group(
    *,
    survey: Survey,
    by,
    title: str,
    facilitator,
    held_on: _focus_datetime.date | None,
    place: str,
    language: str,
    wave: Wave | None = None,
    notes: str = "",
) -> FocusGroup:
    """A focus-group session of the survey, as it was held: who ran it, when, where, in which
    language, and (now or later) the facilitator's notes."""
    require(by, "surveys.focus_groups", survey)
    problems = _check_session(
        survey=survey,
        title=title,
        facilitator=facilitator,
        held_on=held_on,
        place=place,
        language=language,
        wave=wave,
    )
    if problems:
        raise FocusError(problems)
    group = FocusGroup.objects.create(
        survey=survey,
        wave=wave,
        title=title.strip(),
        facilitator=facilitator,
        held_on=held_on,
        place=place.strip(),
        language=language,
        notes=notes.strip(),
    )
    record(
        actor=by,
        action="survey.focus_group_recorded",
        target=group,
        data={"survey": survey.slug, "held_on": held_on.isoformat(), "has_notes": bool(notes)},
    )
    return group


@transaction.atomic
def edit_focus_group(
    *,
    group: FocusGroup,
    by,
    title: str,
    facilitator,
    held_on: _focus_datetime.date | None,
    place: str,
    language: str,
    wave: Wave | None = None,
    notes: str = "",
) -> FocusGroup:
    """Correct a session's details or write its notes. Notes that coded excerpts quote must
    keep those passages: remove the coding first."""
    require(by, "surveys.focus_groups", group)
    problems = _check_session(
        survey=group.survey,
        title=title,
        facilitator=facilitator,
        held_on=held_on,
        place=place,
        language=language,
        wave=wave,
    )
    kept = _squash(notes)
    lost = [e for e in group.excerpts.all() if _squash(e.excerpt) not in kept]
    if lost:
        problems["notes"] = gettext(
            "%(n)s coded excerpt(s) quote passages these notes no longer contain. Keep those "
            "passages, or remove their coding first."
        ) % {"n": len(lost)}
    if problems:
        raise FocusError(problems)
    values = {
        "title": title.strip(),
        "facilitator": facilitator,
        "held_on": held_on,
        "place": place.strip(),
        "language": language,
        "wave": wave,
        "notes": notes.strip(),
    }
    changed = sorted(name for name, value in values.items() if getattr(group, name) != value)
    for name, value in values.items():
        setattr(group, name, value)
    group.save()
    # The fields' names only: notes and places are staff-only text, not for the audit log.
    record(actor=by, action="survey.focus_group_edited", target=group, data={"changed": changed})
    return group


@transaction.atomic
def add_participant(
    *,
    group: FocusGroup,
    by,
    label: str,
    age_band: str = "",
    sex: str = "",
    race_ethnicity: str = "",
    tenure: str = "",
    district=None,
) -> Participant:
    """One person at the session, described only by a tag and the weighting categories."""
    require(by, "surveys.focus_groups", group)
    problems = {}
    tag = label.strip().upper()
    if not PARTICIPANT_LABEL.fullmatch(tag):
        problems["label"] = gettext(
            "Use a short tag such as P1 (up to three letters and a number), never a name."
        )
    elif group.participants.filter(label=tag).exists():
        problems["label"] = gettext("This session already has a participant %(tag)s.") % {
            "tag": tag
        }
    given = {"age_band": age_band, "sex": sex, "race_ethnicity": race_ethnicity, "tenure": tenure}
    for name, value in given.items():
        allowed = {code for code, _label in CATEGORIES[PARTICIPANT_FIELDS[name]]}
        if value and value not in allowed:
            problems[name] = gettext("Choose one of the listed answers, or leave it blank.")
    if problems:
        raise FocusError(problems)
    participant = Participant.objects.create(group=group, label=tag, district=district, **given)
    record(
        actor=by,
        action="survey.focus_participant_added",
        target=group,
        data={"participant": participant.pk},
    )
    return participant


def _descends_from(theme: Theme, ancestor: Theme) -> bool:
    seen = set()
    while theme is not None and theme.pk not in seen:
        if theme.pk == ancestor.pk:
            return True
        seen.add(theme.pk)
        theme = theme.parent
    return False


@transaction.atomic
def save_theme(
    *,
    survey: Survey,
    by,
    code: str,
    label: dict[str, str],
    description: str = "",
    parent: Theme | None = None,
    theme: Theme | None = None,
) -> Theme:
    """Add a theme to the survey's codebook (`theme` None) or change one."""
    require(by, "surveys.focus_groups", survey)
    problems = {}
    code = code.strip().lower()
    try:
        validate_slug(code)
    except ValidationError:
        problems["code"] = gettext(
            "Give a short code of letters, numbers, hyphens or underscores, such as slow_response."
        )
    else:
        taken = Theme.objects.filter(survey=survey, code=code)
        if theme is not None:
            taken = taken.exclude(pk=theme.pk)
        if taken.exists():
            problems["code"] = gettext("The codebook already has a theme with this code.")
    words = {language: (label.get(language) or "").strip() for language in _focus_languages()}
    for language, text in words.items():
        if not text:
            problems[f"label_{language}"] = gettext("Give the theme's name in every language.")
    if parent is not None:
        if parent.survey_id != survey.pk:
            problems["parent"] = gettext("Choose a theme of this survey's codebook.")
        elif theme is not None and _descends_from(parent, theme):
            problems["parent"] = gettext("A theme cannot sit under itself or its own sub-themes.")
    if problems:
        raise FocusError(problems)
    created = theme is None
    theme = theme or Theme(survey=survey)
    theme.code, theme.label, theme.description, theme.parent = (
        code,
        words,
        description.strip(),
        parent,
    )
    theme.save()
    record(
        actor=by,
        action="survey.focus_theme_added" if created else "survey.focus_theme_changed",
        target=theme,
        data={"survey": survey.slug, "code": code, "parent": parent.code if parent else ""},
    )
    return theme


@transaction.atomic
def code_excerpt(
    *,
    group: FocusGroup,
    by,
    theme: Theme | None,
    excerpt: str,
    participant: Participant | None = None,
) -> CodedExcerpt:
    """A passage of the session's notes coded with a theme of the survey's codebook, said by
    one participant or (participant None) by the group as a whole. The passage must be in the
    notes, so every count rests on something written down."""
    require(by, "surveys.focus_groups", group)
    problems = {}
    text = excerpt.strip()
    if theme is None or theme.survey_id != group.survey_id:
        problems["theme"] = gettext("Choose a theme of this survey's codebook.")
    if participant is not None and participant.group_id != group.pk:
        problems["participant"] = gettext("Choose a participant of this session, or none.")
    if not text:
        problems["excerpt"] = gettext("Paste the passage of the notes you are coding.")
    elif len(text) > EXCERPT_MAX:
        problems["excerpt"] = gettext(
            "Code a passage of at most %(n)s characters; split a longer one."
        ) % {"n": EXCERPT_MAX}
    elif not group.notes.strip():
        problems["excerpt"] = gettext(
            "This session has no notes yet: add them first, then code passages of them."
        )
    elif _squash(text) not in _squash(group.notes):
        problems["excerpt"] = gettext(
            "This passage is not in the session's notes. Copy it from the notes exactly."
        )
    if problems:
        raise FocusError(problems)
    coded = CodedExcerpt.objects.create(
        group=group, theme=theme, participant=participant, excerpt=text, coded_by=by
    )
    record(
        actor=by,
        action="survey.focus_excerpt_coded",
        target=group,
        data={"theme": theme.code, "excerpt": coded.pk, "participant": participant is not None},
    )
    return coded


@transaction.atomic
def remove_excerpt(*, excerpt: CodedExcerpt, by) -> None:
    """Take a coding back (a passage coded with the wrong theme, say)."""
    require(by, "surveys.focus_groups", excerpt.group)
    group, code, pk = excerpt.group, excerpt.theme.code, excerpt.pk
    excerpt.delete()
    record(
        actor=by,
        action="survey.focus_excerpt_removed",
        target=group,
        data={"theme": code, "excerpt": pk},
    )


def view_focus_group(*, group: FocusGroup, by) -> None:
    """A session's notes and excerpts are staff-only words: who read them is kept."""
    require(by, "surveys.focus_groups", group)
    record(actor=by, action="survey.focus_group_viewed", target=group)
