"""Focus-group sessions, participants, the codebook of themes, coded excerpts."""

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from commonground.accounts.rules import require
from commonground.audit.actions import record
from commonground.surveys.categories import CATEGORIES, Variable
from commonground.surveys.models import (
    CodedExcerpt,
    FocusGroup,
    Participant,
    Survey,
    Theme,
    Wave,
)


class FocusError(ValidationError):
    """A focus-group write refused; its messages are keyed by the form field they concern."""


# A participant is a tag ("P1", "P12", "FG-3"): up to three letters and a number. Anything
# else (a first name, initials and a surname) is refused, so no name is ever stored.
PARTICIPANT_LABEL = re.compile(r"[A-Z]{0,3}-?[0-9]{1,4}")
EXCERPT_MAX = 4000
# The participant's descriptors, each a weighting variable's categories (blank: not recorded).
PARTICIPANT_FIELDS = {
    "age_band": Variable.AGE_BAND,
    "sex": Variable.SEX,
    "race_ethnicity": Variable.RACE_ETHNICITY,
    "tenure": Variable.TENURE,
}


def _focus_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


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
    elif held_on > timezone.localdate():
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
    held_on: datetime.date | None,
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
    held_on: datetime.date | None,
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
