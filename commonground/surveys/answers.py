"""The answers engine every channel uses (online, phone interview, paper entry): the
questionnaire's pages, a form for one page in one language, and the check of a whole
questionnaire before it is stored.

Answers are a dict {question name: value}: a str for a single choice or an agreement scale,
a list of str for a multiple choice, a float for a number or a 0-10 scale, a str for a text.
An unanswered question is absent. A question whose `relevant` expression is false is neither
shown nor required, and its answer is dropped, so what is stored never contradicts the skip
logic. The final check (`clean_answers`, `check_all`) never trusts the pages: it checks every
answer again, against the same fields the pages use."""

import math
from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commonground.surveys.expressions import ExpressionError, evaluate
from commonground.surveys.models import (
    CHOICE_KINDS,
    Instrument,
    Question,
    QuestionKind,
    in_language,
)

SCALE_POINTS = [str(point) for point in range(11)]
TEXT_MAX = 500
LONG_TEXT_MAX = 5000
REQUIRED_DEFAULT = gettext_lazy("Please answer this question.")
CONSTRAINT_DEFAULT = gettext_lazy("This answer is not accepted. Check it and try again.")


def questions_of(instrument: Instrument) -> list[Question]:
    """Every question of the instrument in the order it is asked (page, then position), with
    its choices loaded."""
    return list(
        instrument.questions.select_related("choice_list", "instrument")
        .prefetch_related("choice_list__choices")
        .order_by("page", "position", "pk")
    )


def pages(instrument: Instrument) -> list[list[Question]]:
    """The questionnaire's pages in order: the questions sharing a page number, by position."""
    grouped: dict[int, list[Question]] = {}
    for question in questions_of(instrument):
        grouped.setdefault(question.page, []).append(question)
    return [grouped[number] for number in sorted(grouped)]


def is_relevant(question: Question, answers: Mapping) -> bool:
    """Whether the question is asked, given the answers so far. A `relevant` expression that
    cannot be evaluated asks the question (the builder refuses such expressions; asking too
    much loses nothing, skipping too much would)."""
    try:
        return evaluate(question.relevant, answers)
    except (ExpressionError, RecursionError):
        return True


def _words(question: Question, field: str, language: str) -> str:
    return in_language(getattr(question, field), language, question.instrument.default_language)


def _choices(question: Question, language: str) -> list[tuple[str, str]]:
    if question.kind == QuestionKind.SCALE:
        return [(point, point) for point in SCALE_POINTS]
    if question.choice_list is None:
        return []
    default = question.instrument.default_language
    return [
        (choice.value, in_language(choice.label, language, default) or choice.value)
        for choice in question.choice_list.choices.all()
    ]


def _number(value) -> float | None:
    return None if value in (None, "") else float(value)


def field_for(question: Question, language: str) -> forms.Field | None:
    """The form field asking this question in this language; None for a note."""
    label = _words(question, "label", language) or question.name
    hint = _words(question, "hint", language)
    required_message = _words(question, "required_message", language) or REQUIRED_DEFAULT
    common = {
        "label": label,
        "help_text": hint,
        "required": question.required,
        "error_messages": {"required": required_message},
    }
    kind = question.kind
    if kind in (QuestionKind.SINGLE, QuestionKind.AGREEMENT):
        return forms.ChoiceField(
            choices=_choices(question, language), widget=forms.RadioSelect, **common
        )
    if kind == QuestionKind.MULTIPLE:
        return forms.MultipleChoiceField(
            choices=_choices(question, language), widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == QuestionKind.SCALE:
        return forms.TypedChoiceField(
            choices=_choices(question, language),
            coerce=float,
            empty_value=None,
            widget=forms.RadioSelect(attrs={"class": "scale"}),
            **common,
        )
    if kind == QuestionKind.INTEGER:
        return forms.IntegerField(**common)
    if kind == QuestionKind.DECIMAL:
        return forms.FloatField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
    if kind == QuestionKind.TEXT:
        return forms.CharField(max_length=TEXT_MAX, **common)
    if kind == QuestionKind.LONG_TEXT:
        return forms.CharField(
            max_length=LONG_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5}), **common
        )
    return None


def _stored(question: Question, value):
    """The cleaned value of a field as an answer: None when unanswered."""
    if value in (None, "", []):
        return None
    if question.kind in (QuestionKind.SCALE, QuestionKind.INTEGER, QuestionKind.DECIMAL):
        return _number(value)
    if question.kind == QuestionKind.MULTIPLE:
        return [str(v) for v in value]
    return str(value)


def _constraint_error(question: Question, value, answers: Mapping, language: str) -> str | None:
    """The author's message (in the language) when the answer breaks the constraint."""
    if not question.constraint.strip() or value is None:
        return None
    try:
        accepted = evaluate(question.constraint, answers, current=value)
    except (ExpressionError, RecursionError):
        accepted = True
    if accepted:
        return None
    return _words(question, "constraint_message", language) or str(CONSTRAINT_DEFAULT)


def as_form_data(question: Question, value):
    """An answer as the page's form would post it (for showing stored answers again)."""
    if value is None:
        return None
    if question.kind == QuestionKind.MULTIPLE:
        return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class PageForm(forms.Form):
    """One page of the questionnaire in one language. `known` holds the answers given on
    other pages: questions whose skip logic is false given them (and this page's own answers)
    are neither shown nor required. `answers` (after is_valid) holds this page's answers, the
    skipped ones left out."""

    def __init__(
        self,
        questions: list[Question],
        *,
        language: str,
        known: Mapping | None = None,
        data=None,
        initial: Mapping | None = None,
    ):
        super().__init__(data=data, initial=self._initial(questions, initial))
        self.questions = list(questions)
        self.language = language
        self.known = {
            name: value for name, value in (known or {}).items() if name not in self._names()
        }
        context = {**self.known, **self._raw_answers(data, initial)}
        self.shown = [q for q in self.questions if is_relevant(q, context)]
        self.notes = [q for q in self.shown if q.kind == QuestionKind.NOTE]
        for question in self.shown:
            field = field_for(question, language)
            if field is not None:
                self.fields[question.name] = field
        self.answers: dict = {}

    def _names(self) -> set[str]:
        return {q.name for q in self.questions}

    @staticmethod
    def _initial(questions, initial):
        if not initial:
            return None
        by_name = {q.name: q for q in questions}
        return {
            name: as_form_data(by_name[name], value)
            for name, value in initial.items()
            if name in by_name
        }

    def _raw_answers(self, data, initial) -> dict:
        """This page's answers as typed, for deciding which of its questions are shown."""
        raw: dict = {}
        for question in self.questions:
            if data is not None:
                if question.kind == QuestionKind.MULTIPLE and hasattr(data, "getlist"):
                    value = data.getlist(question.name)
                else:
                    value = data.get(question.name)
            else:
                value = (initial or {}).get(question.name)
            if value not in (None, "", []):
                raw[question.name] = value
        return raw

    def questions_and_fields(self):
        """(question, bound field or None for a note) in the page's order, shown ones only."""
        return [(q, self[q.name] if q.name in self.fields else None) for q in self.shown]

    def clean(self):
        cleaned = super().clean()
        answers = {
            q.name: _stored(q, cleaned.get(q.name))
            for q in self.questions
            if q.name in self.fields and q.name in cleaned
        }
        answers = {name: value for name, value in answers.items() if value is not None}
        context = {**self.known, **answers}
        for question in self.shown:
            if question.name not in self.fields:
                continue
            if not is_relevant(question, context):
                # Skipped by this page's own answers: not required, and not kept.
                self.errors.pop(question.name, None)
                answers.pop(question.name, None)
                continue
            message = _constraint_error(
                question, answers.get(question.name), context, self.language
            )
            if message:
                self.add_error(question.name, message)
        self.answers = answers
        return cleaned

    def newly_shown(self, answers: Mapping) -> list[Question]:
        """Questions of this page that the given answers make relevant and this form did not
        show: the page must be shown again so they can be answered."""
        context = {**self.known, **answers}
        shown = {q.name for q in self.shown}
        return [
            q
            for q in self.questions
            if q.name not in shown and q.kind != QuestionKind.NOTE and is_relevant(q, context)
        ]


class _WrongKind(Exception):
    pass


def _as_field_input(question: Question, value):
    """A stored-style answer as the field's input; _WrongKind when it is not of the kind the
    question takes (a list for a single choice, a dict, a boolean...)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _WrongKind
    if question.kind == QuestionKind.MULTIPLE:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise _WrongKind
        return list(value)
    if isinstance(value, int | float):
        if question.kind in CHOICE_KINDS or question.kind in (
            QuestionKind.TEXT,
            QuestionKind.LONG_TEXT,
        ):
            raise _WrongKind
        if isinstance(value, float) and not math.isfinite(value):
            raise _WrongKind
        return as_form_data(question, float(value))
    if not isinstance(value, str):
        raise _WrongKind
    return value


def clean_answers(
    instrument: Instrument,
    answers: Mapping,
    *,
    language: str | None = None,
    questions: list[Question] | None = None,
) -> tuple[dict, dict[str, str]]:
    """(the answers to keep, {question name: message}) for a whole questionnaire: every answer
    checked by the field its page uses (kind, choices, length), required questions answered,
    constraints met; answers to questions the skip logic leaves out, and to nothing at all,
    are dropped or refused. Messages are in `language` (the instrument's default if None).
    `questions`: the instrument's `questions_of`, when the caller has them already."""
    language = language or instrument.default_language
    questions = questions_of(instrument) if questions is None else questions
    by_name = {q.name: q for q in questions}
    errors: dict[str, str] = {}
    if not isinstance(answers, Mapping):
        return {}, {"": _("The answers could not be read.")}
    for name in answers:
        if name not in by_name or by_name[name].kind == QuestionKind.NOTE:
            errors[str(name)] = _("This is not a question of this questionnaire.")

    typed: dict = {}
    for question in questions:
        if question.name not in answers or question.kind == QuestionKind.NOTE:
            continue
        field = field_for(question, language)
        field.required = False
        try:
            value = _stored(
                question, field.clean(_as_field_input(question, answers[question.name]))
            )
        except _WrongKind:
            errors[question.name] = _("This answer is not of the kind the question takes.")
            continue
        except ValidationError as error:
            errors[question.name] = " ".join(error.messages)
            continue
        if value is not None:
            typed[question.name] = value

    # Skip logic may look at any answer, so drop the skipped ones until nothing changes.
    kept = dict(typed)
    for _round in range(len(questions) + 1):
        relevant = [q for q in questions if is_relevant(q, kept)]
        names = {q.name for q in relevant}
        dropped = [name for name in kept if name not in names]
        if not dropped:
            break
        for name in dropped:
            kept.pop(name)
    relevant = [q for q in questions if is_relevant(q, kept)]
    for name in list(errors):
        if name in by_name and not is_relevant(by_name[name], kept):
            errors.pop(name)

    for question in relevant:
        if question.kind == QuestionKind.NOTE or question.name in errors:
            continue
        value = kept.get(question.name)
        if value is None:
            if question.required:
                errors[question.name] = _words(question, "required_message", language) or str(
                    REQUIRED_DEFAULT
                )
            continue
        message = _constraint_error(question, value, kept, language)
        if message:
            errors[question.name] = message
    return kept, errors


def check_all(instrument: Instrument, answers: Mapping, *, language: str | None = None):
    """{question name: message} for everything wrong with a whole questionnaire's answers
    (empty when it may be stored); see `clean_answers`."""
    return clean_answers(instrument, answers, language=language)[1]


def first_page_with_error(instrument: Instrument, errors: Mapping) -> int | None:
    """The number (from 1) of the first page holding a question with an error."""
    for number, questions in enumerate(pages(instrument), start=1):
        if any(q.name in errors for q in questions):
            return number
    return None
