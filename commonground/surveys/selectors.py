"""Every non-trivial read of the surveys app. Each area keeps its selectors in a block of its
own."""

# --- form: surveys, questionnaires and waves for the people who design them ----------------

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from commonground.accounts.rules import require
from commonground.surveys.models import (
    ChoiceList,
    Instrument,
    Question,
    Survey,
    Wave,
    WaveStatus,
)


def surveys_for_designer(user) -> QuerySet[Survey]:
    require(user, "surveys.design")
    return Survey.objects.annotate(
        instrument_count=Count("instruments", distinct=True),
        wave_count=Count("waves", distinct=True),
    ).order_by("slug")


def get_survey_for_designer(user, pk: int) -> Survey:
    require(user, "surveys.design")
    return get_object_or_404(Survey, pk=pk)


def get_instrument_for_designer(user, pk: int) -> Instrument:
    require(user, "surveys.design")
    return get_object_or_404(Instrument.objects.select_related("survey"), pk=pk)


def get_question_for_designer(user, instrument: Instrument, pk: int) -> Question:
    require(user, "surveys.design")
    return get_object_or_404(Question, pk=pk, instrument=instrument)


def get_choice_list_for_designer(user, instrument: Instrument, pk: int) -> ChoiceList:
    require(user, "surveys.design")
    return get_object_or_404(ChoiceList, pk=pk, instrument=instrument)


def get_wave_for_designer(user, pk: int) -> Wave:
    require(user, "surveys.design")
    return get_object_or_404(Wave.objects.select_related("survey", "instrument"), pk=pk)


def instrument_is_locked(instrument: Instrument) -> bool:
    """Whether a wave using the instrument has opened (it can then only be copied)."""
    return instrument.waves.exclude(status=WaveStatus.DRAFT).exists()


def builder_questions(instrument: Instrument) -> list[Question]:
    """The questionnaire's questions in the order they are asked, with their lists."""
    return list(
        instrument.questions.select_related("choice_list")
        .prefetch_related("choice_list__choices")
        .order_by("page", "position", "pk")
    )
