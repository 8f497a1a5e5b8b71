"""Surveys, questionnaires, the question bank, XLSForm imports, waves."""

import datetime
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from commonground.accounts.rules import require
from commonground.audit.actions import record
from commonground.surveys import bank
from commonground.surveys.categories import Variable
from commonground.surveys.expressions import ExpressionError, references
from commonground.surveys.expressions import parse as parse_expression
from commonground.surveys.models import (
    CHOICE_KINDS,
    Choice,
    ChoiceList,
    Draft,
    Instrument,
    Invitation,
    PhoneCase,
    Question,
    QuestionKind,
    Survey,
    Wave,
    WaveStatus,
)


class DesignError(ValidationError):
    """A questionnaire, survey or wave change that was refused; the message (or the dict of
    field: message) says why, for the person building it."""


class InstrumentLocked(DesignError):
    """The instrument is used by a wave that has opened: copy it to a new version instead."""


# A question's or a list's name, as XLSForm and the skip logic's ${name} read it.
DESIGN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")
# The wave's lifecycle: the one table every change of status is checked against.
WAVE_TRANSITIONS = {
    WaveStatus.DRAFT: {WaveStatus.OPEN},
    WaveStatus.OPEN: {WaveStatus.CLOSED},
    WaveStatus.CLOSED: {WaveStatus.PUBLISHED},
    WaveStatus.PUBLISHED: set(),
}
# Publishing makes a wave's results public and final: the analysts' decision.
WAVE_TRANSITION_PERMISSION = {
    WaveStatus.OPEN: "surveys.design",
    WaveStatus.CLOSED: "surveys.design",
    WaveStatus.PUBLISHED: "surveys.publish",
}
# Language names as they read inside a sentence ("in English", "en inglés").
IN_A_SENTENCE = {
    "en": pgettext_lazy("language, within a sentence", "English"),
    "es": pgettext_lazy("language, within a sentence", "Spanish"),
}


def _language_name(code: str) -> str:
    return str(IN_A_SENTENCE.get(code, code))


def design_languages() -> list[str]:
    """The languages an instrument may be written in: the site's."""
    return [code for code, _name in settings.LANGUAGES]


def _clean_words(values: dict | None, languages: list[str]) -> dict[str, str]:
    """{language: text} for the instrument's languages, blank ones left out."""
    values = values or {}
    return {
        code: str(values.get(code, "")).strip()
        for code in languages
        if str(values.get(code, "")).strip()
    }


def _words_problems(
    field: str, values: dict[str, str], languages: list[str], *, required: bool, what: str
) -> dict[str, str]:
    """{field_<lang>: message} for a text missing in a language: every language when the text
    is required, else every language once any has it."""
    if not required and not values:
        return {}
    return {
        f"{field}_{code}": _("Give the %(what)s in %(language)s.")
        % {"what": what, "language": _language_name(code)}
        for code in languages
        if code not in values
    }


def _editable(instrument: Instrument) -> None:
    """Refuses any change to an instrument a wave has used: its answers mean what its words
    said when they were given."""
    if Instrument.objects.filter(pk=instrument.pk, waves__status__in=_OPENED).exists():
        raise InstrumentLocked(
            _(
                "This questionnaire is used by a wave that has opened, so it cannot change. "
                "Copy it to a new version and change the copy."
            )
        )


_OPENED = [WaveStatus.OPEN, WaveStatus.CLOSED, WaveStatus.PUBLISHED]


@transaction.atomic
def create_survey(
    *, by, slug: str, title: dict, description: dict | None = None, min_effective_n: int = 30
) -> Survey:
    require(by, "surveys.design")
    languages = design_languages()
    title = _clean_words(title, languages)
    description = _clean_words(description, languages)
    problems = _words_problems("title", title, languages, required=True, what=_("title"))
    slug = (slug or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,59}", slug):
        problems["slug"] = _(
            "Use lower-case letters, digits and hyphens only, starting with a letter or digit."
        )
    elif Survey.objects.filter(slug=slug).exists():
        problems["slug"] = _("Another survey already has this short name.")
    if not 1 <= int(min_effective_n) <= 10000:
        problems["min_effective_n"] = _("Give a number from 1 to 10000.")
    if problems:
        raise DesignError(problems)
    survey = Survey.objects.create(
        slug=slug,
        title=title,
        description=description,
        min_effective_n=min_effective_n,
        created_at=timezone.now(),
    )
    record(actor=by, action="survey.created", target=survey, data={"slug": slug})
    return survey


def _next_version(survey: Survey, name: str) -> int:
    latest = Instrument.objects.filter(survey=survey, name=name).aggregate(v=Max("version"))["v"]
    return (latest or 0) + 1


def _check_instrument(name: str, title: dict, languages: list[str]) -> dict[str, str]:
    problems = {}
    if not DESIGN_NAME.fullmatch(name or ""):
        problems["name"] = _(
            "Use letters, digits and underscores only, starting with a letter (at most 60)."
        )
    known = design_languages()
    if not languages or any(code not in known for code in languages):
        problems["languages"] = _("Choose at least one of the site's languages.")
    else:
        problems.update(_words_problems("title", title, languages, required=True, what=_("title")))
    return problems


@transaction.atomic
def _new_instrument(*, survey: Survey, by, name: str, title: dict, languages: list[str]):
    """The checked, empty instrument both the builder and the bank start from."""
    title = _clean_words(title, languages)
    problems = _check_instrument(name, title, languages)
    if problems:
        raise DesignError(problems)
    return Instrument.objects.create(
        survey=survey,
        name=name,
        version=_next_version(survey, name),
        title=title,
        languages=languages,
        default_language=languages[0],
        created_at=timezone.now(),
        created_by=by,
    )


def create_instrument(
    *, survey: Survey, by, name: str, title: dict, languages: list[str]
) -> Instrument:
    """A new, empty questionnaire (version 1, or the next version of one with this name)."""
    require(by, "surveys.design")
    languages = [code for code in design_languages() if code in (languages or [])]
    instrument = _new_instrument(survey=survey, by=by, name=name, title=title, languages=languages)
    record(
        actor=by,
        action="survey.instrument_created",
        target=instrument,
        data={"name": name, "version": instrument.version},
    )
    return instrument


@dataclass
class QuestionData:
    """What the builder's form says about one question; words are {language: text}."""

    name: str
    kind: str
    label: dict[str, str]
    page: int = 1
    choice_list: ChoiceList | None = None
    hint: dict[str, str] = dataclass_field(default_factory=dict)
    required: bool = False
    required_message: dict[str, str] = dataclass_field(default_factory=dict)
    relevant: str = ""
    constraint: str = ""
    constraint_message: dict[str, str] = dataclass_field(default_factory=dict)
    variable: str = ""
    topic: str = ""


def _expression_problem(source: str, known: set[str], own: str, *, what: str) -> str | None:
    """Why an expression cannot be used, naming any question it refers to that the
    questionnaire does not have; None when it can."""
    if not source:
        return None
    try:
        parse_expression(source)
        referred = references(source)
    except (ExpressionError, RecursionError) as error:
        return _("The %(what)s cannot be read: %(problem)s") % {"what": what, "problem": error}
    unknown = sorted(referred - known)
    if unknown:
        return _("The %(what)s refers to %(names)s, which this questionnaire does not have.") % {
            "what": what,
            "names": ", ".join(f"${{{name}}}" for name in unknown),
        }
    if what == _("skip logic") and own in referred:
        return _("A question's skip logic cannot depend on its own answer.")
    return None


def _check_question(
    instrument: Instrument, data: QuestionData, question: Question | None
) -> QuestionData:
    languages = list(instrument.languages)
    data.name = (data.name or "").strip()
    data.relevant = (data.relevant or "").strip()
    data.constraint = (data.constraint or "").strip()
    for name in ("label", "hint", "required_message", "constraint_message"):
        setattr(data, name, _clean_words(getattr(data, name), languages))
    problems: dict[str, str] = {}
    if not DESIGN_NAME.fullmatch(data.name):
        problems["name"] = _(
            "Use letters, digits and underscores only, starting with a letter (at most 60)."
        )
    else:
        taken = instrument.questions.filter(name=data.name)
        if question is not None:
            taken = taken.exclude(pk=question.pk)
        if taken.exists():
            problems["name"] = _("Another question of this questionnaire has this name.")
        elif question is not None and question.name != data.name:
            users = _referred_by(instrument, question.name, exclude=question)
            if users:
                problems["name"] = _(
                    "The name cannot change while %(names)s refer to it; change them first."
                ) % {"names": ", ".join(users)}
    if data.kind not in QuestionKind.values:
        problems["kind"] = _("Choose a kind of question.")
    elif data.kind in CHOICE_KINDS:
        if data.choice_list is None:
            problems["choice_list"] = _("Choose the list of answers for this question.")
        elif data.choice_list.instrument_id != instrument.pk:
            problems["choice_list"] = _("Choose one of this questionnaire's lists.")
    else:
        data.choice_list = None
    if not 1 <= int(data.page or 0) <= 200:
        problems["page"] = _("Give a page number from 1 to 200.")
    problems.update(
        _words_problems("label", data.label, languages, required=True, what=_("question"))
    )
    problems.update(_words_problems("hint", data.hint, languages, required=False, what=_("hint")))
    problems.update(
        _words_problems(
            "required_message",
            data.required_message,
            languages,
            required=False,
            what=_("message for a missing answer"),
        )
    )
    problems.update(
        _words_problems(
            "constraint_message",
            data.constraint_message,
            languages,
            required=False,
            what=_("message for a refused answer"),
        )
    )
    known = set(instrument.questions.values_list("name", flat=True)) | {data.name}
    if question is not None and question.name != data.name:
        known.discard(question.name)
    for field, what in (("relevant", _("skip logic")), ("constraint", _("answer check"))):
        problem = _expression_problem(getattr(data, field), known, data.name, what=what)
        if problem:
            problems[field] = problem
    if data.kind == QuestionKind.NOTE and (data.required or data.constraint):
        problems["kind"] = _("A note takes no answer, so it cannot be required or checked.")
    if data.variable and data.variable not in Variable.values:
        problems["variable"] = _("Choose what the question measures, or leave it blank.")
    if len(data.topic) > 60:
        problems["topic"] = _("Use at most 60 characters.")
    if problems:
        raise DesignError(problems)
    return data


def _referred_by(instrument: Instrument, name: str, *, exclude: Question | None = None):
    """The names of the questions whose skip logic or answer check refers to ${name}."""
    found = []
    for other in instrument.questions.all():
        if exclude is not None and other.pk == exclude.pk:
            continue
        for source in (other.relevant, other.constraint):
            try:
                if source and name in references(source):
                    found.append(other.name)
                    break
            except (ExpressionError, RecursionError):
                continue
    return found


_QUESTION_FIELDS = [
    "name",
    "kind",
    "label",
    "page",
    "choice_list",
    "hint",
    "required",
    "required_message",
    "relevant",
    "constraint",
    "constraint_message",
    "variable",
    "topic",
]


@transaction.atomic
def save_question(
    *, instrument: Instrument, by, data: QuestionData, question: Question | None = None
) -> Question:
    """Add a question at the end of the questionnaire, or change one; refused (DesignError,
    by field) when a word is missing in a language, an expression cannot be read or refers to
    a question the questionnaire does not have, or the instrument is locked."""
    require(by, "surveys.design")
    _editable(instrument)
    if question is not None and question.instrument_id != instrument.pk:
        raise DesignError(_("This question belongs to another questionnaire."))
    data = _check_question(instrument, data, question)
    values = {name: getattr(data, name) for name in _QUESTION_FIELDS}
    if question is None:
        last = instrument.questions.aggregate(p=Max("position"))["p"]
        question = Question.objects.create(
            instrument=instrument, position=0 if last is None else last + 1, **values
        )
        verb = "survey.question_added"
    else:
        for name, value in values.items():
            setattr(question, name, value)
        question.save()
        verb = "survey.question_changed"
    record(actor=by, action=verb, target=instrument, data={"question": question.name})
    return question


@transaction.atomic
def delete_question(*, question: Question, by) -> None:
    require(by, "surveys.design")
    instrument = question.instrument
    _editable(instrument)
    users = _referred_by(instrument, question.name, exclude=question)
    if users:
        raise DesignError(
            _("%(name)s cannot be removed while %(names)s refer to it; change them first.")
            % {"name": question.name, "names": ", ".join(users)}
        )
    name = question.name
    question.delete()
    record(actor=by, action="survey.question_removed", target=instrument, data={"question": name})


@transaction.atomic
def move_question(*, question: Question, by, direction: str) -> Question:
    """Move a question one place up or down the questionnaire. At the edge of a page it moves
    to the next page's start (or the previous page's end) rather than swapping pages."""
    require(by, "surveys.design")
    instrument = question.instrument
    _editable(instrument)
    if direction not in ("up", "down"):
        raise DesignError(_("A question moves up or down."))
    ordered = list(instrument.questions.order_by("page", "position", "pk"))
    for position, each in enumerate(ordered):
        each.position = position
    at = next(i for i, each in enumerate(ordered) if each.pk == question.pk)
    other_at = at - 1 if direction == "up" else at + 1
    moving = ordered[at]
    if 0 <= other_at < len(ordered):
        other = ordered[other_at]
        if other.page != moving.page:
            moving.page = other.page
            # Placed after the previous page's last question, or before the next page's first.
            moving.position = other.position + (1 if direction == "up" else -1)
            ordered.sort(key=lambda q: (q.page, q.position, q is not moving))
        else:
            ordered[at], ordered[other_at] = other, moving
    for position, each in enumerate(ordered):
        each.position = position
    Question.objects.bulk_update(ordered, ["position", "page"])
    record(
        actor=by,
        action="survey.question_moved",
        target=instrument,
        data={"question": moving.name, "direction": direction},
    )
    return moving


def parse_choice_lines(text: str, languages: list[str]) -> list[tuple[str, dict[str, str]]]:
    """The builder's choices box: one choice a line, its code and then its label in each of
    the questionnaire's languages, separated by "|" (e.g. `yes | Yes | Sí`)."""
    rows = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        label = {code: parts[i + 1] for i, code in enumerate(languages) if i + 1 < len(parts)}
        rows.append((parts[0], {code: text for code, text in label.items() if text}))
    return rows


def choice_lines(choice_list: ChoiceList, languages: list[str]) -> str:
    """A list's choices as the builder's choices box shows them (see parse_choice_lines)."""
    return "\n".join(
        " | ".join([choice.value, *(choice.label.get(code, "") for code in languages)])
        for choice in choice_list.choices.all()
    )


@transaction.atomic
def save_choice_list(
    *,
    instrument: Instrument,
    by,
    name: str,
    choices: list[tuple[str, dict[str, str]]],
    choice_list: ChoiceList | None = None,
) -> ChoiceList:
    """Add a list of answer choices, or replace one's choices; each choice needs a code
    (unique in the list, no spaces) and a label in every language of the questionnaire."""
    require(by, "surveys.design")
    _editable(instrument)
    languages = list(instrument.languages)
    name = (name or "").strip()
    problems: list[str] = []
    name_problem = None
    if not DESIGN_NAME.fullmatch(name):
        name_problem = _(
            "Use letters, digits and underscores only, starting with a letter (at most 60)."
        )
    else:
        taken = instrument.lists.filter(name=name)
        if choice_list is not None:
            taken = taken.exclude(pk=choice_list.pk)
        if taken.exists():
            name_problem = _("Another list of this questionnaire has this name.")
    if not choices:
        problems.append(_("Give at least one choice."))
    seen: set[str] = set()
    for number, (value, label) in enumerate(choices, start=1):
        if not value or len(value) > 60 or value != value.strip():
            problems.append(_("Line %(n)s: give the choice's code first.") % {"n": number})
        elif value in seen:
            problems.append(
                _("Line %(n)s: the code “%(value)s” is used twice.") % {"n": number, "value": value}
            )
        seen.add(value)
        missing = [_language_name(code) for code in languages if not label.get(code)]
        if missing:
            problems.append(
                _("Line %(n)s: give the label in %(languages)s.")
                % {"n": number, "languages": ", ".join(missing)}
            )
    if name_problem or problems:
        found = {}
        if name_problem:
            found["name"] = name_problem
        if problems:
            found["choices"] = problems
        raise DesignError(found)
    if choice_list is None:
        choice_list = ChoiceList.objects.create(instrument=instrument, name=name)
        verb = "survey.list_added"
    else:
        if choice_list.instrument_id != instrument.pk:
            raise DesignError(_("This list belongs to another questionnaire."))
        choice_list.name = name
        choice_list.save(update_fields=["name"])
        choice_list.choices.all().delete()
        verb = "survey.list_changed"
    Choice.objects.bulk_create(
        Choice(choice_list=choice_list, value=value, label=label, position=position)
        for position, (value, label) in enumerate(choices)
    )
    record(actor=by, action=verb, target=instrument, data={"list": name, "choices": len(choices)})
    return choice_list


@transaction.atomic
def delete_choice_list(*, choice_list: ChoiceList, by) -> None:
    require(by, "surveys.design")
    instrument = choice_list.instrument
    _editable(instrument)
    users = list(choice_list.questions.values_list("name", flat=True))
    if users:
        raise DesignError(
            _("This list cannot be removed while %(names)s use it.") % {"names": ", ".join(users)}
        )
    name = choice_list.name
    choice_list.delete()
    record(actor=by, action="survey.list_removed", target=instrument, data={"list": name})


def _copy_contents(source: Instrument, target: Instrument) -> None:
    lists = {}
    for choice_list in source.lists.prefetch_related("choices"):
        copy = ChoiceList.objects.create(instrument=target, name=choice_list.name)
        Choice.objects.bulk_create(
            Choice(choice_list=copy, value=c.value, label=c.label, position=c.position)
            for c in choice_list.choices.all()
        )
        lists[choice_list.pk] = copy
    Question.objects.bulk_create(
        Question(
            instrument=target,
            position=q.position,
            page=q.page,
            name=q.name,
            kind=q.kind,
            choice_list=lists.get(q.choice_list_id),
            label=q.label,
            hint=q.hint,
            required=q.required,
            required_message=q.required_message,
            relevant=q.relevant,
            constraint=q.constraint,
            constraint_message=q.constraint_message,
            variable=q.variable,
            topic=q.topic,
        )
        for q in source.questions.order_by("page", "position", "pk")
    )


@transaction.atomic
def copy_instrument(*, instrument: Instrument, by) -> Instrument:
    """The instrument's next version: the same questions, lists and words, editable until a
    wave using it opens. The way to change a questionnaire a wave has used."""
    require(by, "surveys.design")
    copy = Instrument.objects.create(
        survey=instrument.survey,
        name=instrument.name,
        version=_next_version(instrument.survey, instrument.name),
        title=dict(instrument.title),
        languages=list(instrument.languages),
        default_language=instrument.default_language,
        created_at=timezone.now(),
        created_by=by,
    )
    _copy_contents(instrument, copy)
    record(
        actor=by,
        action="survey.instrument_copied",
        target=copy,
        data={"from": instrument.pk, "version": copy.version},
    )
    return copy


def _district_choices() -> list[tuple[str, str]]:
    from commonground.roster.models import District

    return list(District.objects.order_by("code").values_list("code", "name"))


@transaction.atomic
def build_instrument_from_bank(
    *,
    survey: Survey,
    by,
    name: str,
    title: dict,
    topics: list[str] | None = None,
    languages: list[str] | None = None,
) -> Instrument:
    """A new instrument from the starter question bank: every item, or the topics chosen, in
    the bank's order, each section on a page of its own, with the lists the items use (the
    districts' list is the agency's districts)."""
    require(by, "surveys.design")
    try:
        chosen = bank.items(topics)
    except KeyError as unknown:
        raise DesignError(
            {"topics": _("These are not items of the bank: %(topics)s.") % {"topics": unknown}}
        ) from None
    available = bank.choice_lists(_district_choices())
    empty = [
        item for item in chosen if item.choice_list and not available[item.choice_list].choices
    ]
    if empty and topics is not None:
        raise DesignError(
            {
                "topics": _(
                    "%(items)s would have no answers to choose from: the roster has no "
                    "districts yet. Untick it, or add the districts first."
                )
                % {"items": ", ".join(item.topic for item in empty)}
            }
        )
    chosen = [item for item in chosen if item not in empty]
    if not chosen:
        raise DesignError({"topics": _("Choose at least one item of the bank.")})
    languages = [code for code in design_languages() if code in (languages or bank.LANGUAGES)]
    instrument = _new_instrument(survey=survey, by=by, name=name, title=title, languages=languages)
    lists: dict[str, ChoiceList] = {}
    for item in chosen:
        if item.choice_list and item.choice_list not in lists:
            source = available[item.choice_list]
            choice_list = ChoiceList.objects.create(instrument=instrument, name=source.name)
            Choice.objects.bulk_create(
                Choice(
                    choice_list=choice_list,
                    value=value,
                    label={code: label[code] for code in languages if code in label},
                    position=position,
                )
                for position, (value, label) in enumerate(source.choices)
            )
            lists[item.choice_list] = choice_list
    sections = [section for section in bank.SECTIONS if any(i.section == section for i in chosen)]
    Question.objects.bulk_create(
        Question(
            instrument=instrument,
            position=position,
            page=sections.index(item.section) + 1,
            name=item.name,
            kind=item.kind,
            choice_list=lists.get(item.choice_list),
            label={code: item.label[code] for code in languages},
            hint={code: item.hint[code] for code in languages if code in item.hint},
            required=item.required,
            variable=item.variable,
            topic=item.topic,
        )
        for position, item in enumerate(chosen)
    )
    record(
        actor=by,
        action="survey.instrument_from_bank",
        target=instrument,
        data={"topics": [item.topic for item in chosen]},
    )
    return instrument


def _check_wave(
    survey: Survey,
    *,
    label: str,
    opens_on: datetime.date | None,
    closes_on: datetime.date | None,
    instrument: Instrument | None,
    wave: Wave | None = None,
) -> dict[str, str]:
    problems = {}
    if not label:
        problems["label"] = _("Give the wave a name, e.g. 2026 Q1.")
    elif len(label) > 60:
        problems["label"] = _("Use at most 60 characters.")
    else:
        taken = survey.waves.filter(label=label)
        if wave is not None:
            taken = taken.exclude(pk=wave.pk)
        if taken.exists():
            problems["label"] = _("Another wave of this survey has this name.")
    if opens_on is None:
        problems["opens_on"] = _("Give the date the wave opens.")
    if closes_on is None:
        problems["closes_on"] = _("Give the date the wave closes.")
    elif opens_on is not None and closes_on < opens_on:
        problems["closes_on"] = _("The wave cannot close before it opens.")
    if instrument is None:
        problems["instrument"] = _("Choose the questionnaire this wave asks.")
    elif instrument.survey_id != survey.pk:
        problems["instrument"] = _("Choose one of this survey's questionnaires.")
    return problems


@transaction.atomic
def create_wave(
    *,
    survey: Survey,
    by,
    label: str,
    opens_on: datetime.date | None,
    closes_on: datetime.date | None,
    instrument: Instrument | None,
    open_link: bool = False,
) -> Wave:
    """A new wave, being prepared (draft) until it is opened."""
    require(by, "surveys.design")
    label = (label or "").strip()
    problems = _check_wave(
        survey, label=label, opens_on=opens_on, closes_on=closes_on, instrument=instrument
    )
    if problems:
        raise DesignError(problems)
    wave = Wave.objects.create(
        survey=survey,
        instrument=instrument,
        label=label,
        opens_on=opens_on,
        closes_on=closes_on,
        open_link=open_link,
        created_at=timezone.now(),
    )
    record(
        actor=by,
        action="survey.wave_created",
        target=wave,
        data={"label": label, "instrument": instrument.pk},
    )
    return wave


@transaction.atomic
def edit_wave(
    *,
    wave: Wave,
    by,
    label: str,
    opens_on: datetime.date | None,
    closes_on: datetime.date | None,
    instrument: Instrument | None,
    open_link: bool,
) -> Wave:
    """Change a wave being prepared; once open, only its closing date and its open link may
    change; once closed, nothing."""
    require(by, "surveys.design")
    current = Wave.objects.select_for_update().get(pk=wave.pk)
    label = (label or "").strip()
    if current.status in (WaveStatus.CLOSED, WaveStatus.PUBLISHED):
        raise DesignError(_("A closed or published wave never changes."))
    if current.status == WaveStatus.OPEN and (
        label != current.label
        or opens_on != current.opens_on
        or (instrument and instrument.pk != current.instrument_id)
    ):
        raise DesignError(
            _(
                "An open wave keeps its name, opening date and questionnaire; only its closing date and open link may change."
            )
        )
    problems = _check_wave(
        current.survey,
        label=label,
        opens_on=opens_on,
        closes_on=closes_on,
        instrument=instrument,
        wave=current,
    )
    if problems:
        raise DesignError(problems)
    before = {
        "label": current.label,
        "opens_on": str(current.opens_on),
        "closes_on": str(current.closes_on),
        "instrument": current.instrument_id,
        "open_link": current.open_link,
    }
    current.label, current.opens_on, current.closes_on = label, opens_on, closes_on
    current.instrument, current.open_link = instrument, open_link
    current.save(update_fields=["label", "opens_on", "closes_on", "instrument", "open_link"])
    record(actor=by, action="survey.wave_changed", target=current, data={"before": before})
    return current


@transaction.atomic
def transition_wave(*, wave: Wave, to: str, by) -> Wave:
    """The one door for a wave's status: draft → open → closed → published, checked against
    WAVE_TRANSITIONS; a published wave never changes. Opening needs a questionnaire with a
    question. Closing erases, in the same transaction, every phone number of the wave's phone
    cases and every invitation code kept for printing letters: after a wave closes nobody can
    call or write to its sample again, and nothing is left to link a response to."""
    require(by, WAVE_TRANSITION_PERMISSION.get(to, "surveys.design"))
    current = Wave.objects.select_for_update().get(pk=wave.pk)
    if to not in WAVE_TRANSITIONS.get(current.status, set()):
        if current.status == WaveStatus.PUBLISHED:
            raise DesignError(_("A published wave never changes."))
        raise DesignError(
            _("A wave that is %(status)s cannot become %(to)s.")
            % {
                "status": WaveStatus(current.status).label.lower(),
                "to": WaveStatus(to).label.lower() if to in WaveStatus.values else to,
            }
        )
    data = {"from": current.status, "to": to}
    if (
        to == WaveStatus.OPEN
        and not current.instrument.questions.exclude(kind=QuestionKind.NOTE).exists()
    ):
        raise DesignError(_("The wave's questionnaire has no question yet."))
    if to == WaveStatus.CLOSED:
        data["phone_numbers_erased"] = PhoneCase.objects.filter(
            wave=current, phone__isnull=False
        ).update(phone=None)
        data["codes_erased"] = Invitation.objects.filter(wave=current, code__isnull=False).update(
            code=None
        )
        # Questionnaires left half-answered can no longer be sent: their answers go too.
        data["drafts_deleted"], _deleted = Draft.objects.filter(wave=current).delete()
    current.status = to
    fields = ["status"]
    if to == WaveStatus.PUBLISHED:
        current.published_at = timezone.now()
        fields.append("published_at")
    current.save(update_fields=fields)
    record(actor=by, action="survey.wave_status", target=current, data=data)
    if to == WaveStatus.CLOSED:
        # The wave's last responses leave nothing in PostgreSQL's bookkeeping that pairs them
        # with their invitations (surveys.storage), without waiting for the night.
        from commonground.surveys.tasks import rewrite_survey_tables

        transaction.on_commit(rewrite_survey_tables.enqueue)
    return current


class XLSFormRefused(DesignError):
    """An XLSForm file with problems; `problems` lists each with its sheet, row and column."""

    def __init__(self, problems):
        super().__init__([str(problem) for problem in problems])
        self.problems = list(problems)


@transaction.atomic
def import_instrument(*, survey: Survey, by, upload) -> Instrument:
    """A new instrument from an XLSForm workbook (the next version when the survey already has
    one with the form's id). Refused (XLSFormRefused) with every problem the file has; nothing
    is stored then."""
    from commonground.surveys import xlsform

    require(by, "surveys.design")
    form, problems = xlsform.read(upload)
    if problems:
        raise XLSFormRefused(problems)
    instrument = Instrument.objects.create(
        survey=survey,
        name=form.name,
        version=_next_version(survey, form.name),
        title=form.title,
        languages=form.languages,
        default_language=form.languages[0],
        created_at=timezone.now(),
        created_by=by,
    )
    lists = {}
    for name, rows in form.lists.items():
        lists[name] = ChoiceList.objects.create(instrument=instrument, name=name)
        Choice.objects.bulk_create(
            Choice(choice_list=lists[name], value=value, label=label, position=position)
            for position, (value, label) in enumerate(rows)
        )
    Question.objects.bulk_create(
        Question(
            instrument=instrument,
            position=position,
            page=q.page,
            name=q.name,
            kind=q.kind,
            choice_list=lists.get(q.list_name) if q.kind in CHOICE_KINDS else None,
            label=q.label,
            hint=q.hint,
            required=q.required,
            required_message=q.required_message,
            relevant=q.relevant,
            constraint=q.constraint,
            constraint_message=q.constraint_message,
            variable=q.variable,
            topic=q.topic,
        )
        for position, q in enumerate(form.questions)
    )
    record(
        actor=by,
        action="survey.instrument_imported",
        target=instrument,
        data={"name": form.name, "questions": len(form.questions)},
    )
    return instrument
