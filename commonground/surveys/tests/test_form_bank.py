"""The starter question bank: every topic the demo's generator answers exists, with the same
choice values, in English and Spanish, and an instrument built from it takes the generator's
answers as they are."""

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.demo import survey_people
from commonground.roster.models import Agency, District
from commonground.surveys import bank
from commonground.surveys.actions import DesignError, build_instrument_from_bank
from commonground.surveys.answers import clean_answers
from commonground.surveys.categories import CATEGORIES, Variable
from commonground.surveys.models import QuestionKind
from commonground.surveys.tests.factories import make_survey
from commonground.surveys.tests.form_helpers import designer

pytestmark = pytest.mark.django_db

TOPICS = [
    "safety.day",
    "safety.night",
    "trust.respect",
    "trust.listen",
    "trust.fair",
    "trust.do_right",
    "satisfaction",
    "problem.top",
    "demographics.age_band",
    "demographics.sex",
    "demographics.race_ethnicity",
    "demographics.tenure",
    "demographics.district",
    "demographics.language",
    "contact.stopped",
    "contact.complaint",
    "contact.called",
]


def _demo_districts():
    agency = Agency.objects.create(name="Demo PD")
    names = ["Northside", "Riverfront", "Eastgate", "Southpark", "Westhills"]
    for number, name in enumerate(names, start=1):
        District.objects.create(agency=agency, code=f"D{number}", name=name)


def test_the_bank_has_every_topic_the_issue_names_in_both_languages():
    assert set(TOPICS) <= set(bank.BY_TOPIC)
    lists = bank.choice_lists([("D1", "Northside")])
    for item in bank.ITEMS:
        assert item.label["en"] and item.label["es"], item.topic
        assert item.label["en"] != item.label["es"], item.topic
        if item.choice_list:
            for value, label in lists[item.choice_list].choices:
                assert label.get("en") and label.get("es"), (item.topic, value)
    # Procedural-justice items beyond the four trust items.
    assert len([i for i in bank.ITEMS if i.section == "procedural"]) >= 3


def test_demographics_use_the_census_categories_codes():
    lists = bank.choice_lists()
    for topic, variable in [
        ("demographics.age_band", Variable.AGE_BAND),
        ("demographics.sex", Variable.SEX),
        ("demographics.race_ethnicity", Variable.RACE_ETHNICITY),
        ("demographics.tenure", Variable.TENURE),
    ]:
        item = bank.BY_TOPIC[topic]
        assert item.variable == variable
        values = [value for value, _label in lists[item.choice_list].choices]
        assert values == [value for value, _label in CATEGORIES[variable]], topic
    # Spanish labels come from the categories' translations.
    age = dict(lists["age_band"].choices)
    assert age["18-24"] == {"en": "18 to 24", "es": "De 18 a 24"}


def test_an_instrument_from_the_whole_bank_takes_the_demo_generators_answers():
    _demo_districts()
    instrument = build_instrument_from_bank(
        survey=make_survey(),
        by=designer(),
        name="trust_safety",
        title={"en": "Trust and safety", "es": "Confianza y seguridad"},
    )
    questions = {q.topic: q for q in instrument.questions.all()}
    assert set(TOPICS) <= set(questions)
    assert questions["satisfaction"].kind == QuestionKind.SCALE
    assert questions["safety.night"].kind == QuestionKind.AGREEMENT
    assert questions["contact.stopped"].variable == Variable.CONTACT_STOPPED
    assert instrument.languages == ["en", "es"]
    # Each section on its own page, in the bank's order.
    pages = [q.page for q in instrument.questions.order_by("position")]
    assert pages == sorted(pages) and max(pages) == len(bank.SECTIONS)

    rng = np.random.default_rng(7)
    margins = survey_people.margins(
        {f"D{n}": (20000, {"white": 5, "black": 3, "hispanic": 2}) for n in range(1, 6)}
    )
    checked = 0
    for code, margin in margins.items():
        for person in survey_people.draw_people(rng, code, 30, margin):
            generated = survey_people.answers(rng, person, wave_index=1)
            answers = {questions[topic].name: value for topic, value in generated.items()}
            kept, errors = clean_answers(instrument, answers, language="es")
            assert errors == {}, (generated, errors)
            assert kept == answers
            checked += 1
    assert checked == 150


def test_chosen_items_make_a_smaller_instrument_on_compact_pages():
    instrument = build_instrument_from_bank(
        survey=make_survey(),
        by=designer(),
        name="short",
        title={"en": "Short", "es": "Corta"},
        topics=["trust.fair", "demographics.sex"],
    )
    rows = list(instrument.questions.order_by("position").values_list("topic", "page"))
    assert rows == [("trust.fair", 1), ("demographics.sex", 2)]
    assert sorted(instrument.lists.values_list("name", flat=True)) == ["agree5", "sex"]


def test_a_second_build_with_the_same_id_is_the_next_version():
    survey, by = make_survey(), designer()
    title = {"en": "T", "es": "T"}
    first = build_instrument_from_bank(survey=survey, by=by, name="t", title=title)
    second = build_instrument_from_bank(survey=survey, by=by, name="t", title=title)
    assert (first.version, second.version) == (1, 2)


def test_unknown_or_no_topics_and_a_missing_title_are_refused():
    survey, by = make_survey(), designer()
    with pytest.raises(DesignError) as refused:
        build_instrument_from_bank(
            survey=survey, by=by, name="t", title={"en": "T", "es": "T"}, topics=["trust.nope"]
        )
    assert "trust.nope" in str(refused.value.message_dict["topics"])
    with pytest.raises(DesignError):
        build_instrument_from_bank(
            survey=survey, by=by, name="t", title={"en": "T", "es": "T"}, topics=[]
        )
    with pytest.raises(DesignError) as refused:
        build_instrument_from_bank(survey=survey, by=by, name="t", title={"en": "T"})
    assert refused.value.message_dict["title_es"] == ["Give the title in Spanish."]


def test_only_designers_build_from_the_bank():
    for role in (Role.INTERVIEWER, Role.AGENCY_HEAD, Role.INTAKE_CLERK):
        with pytest.raises(PermissionDenied):
            build_instrument_from_bank(
                survey=make_survey(f"s-{role}"),
                by=make_staff(f"x-{role}", role),
                name="t",
                title={"en": "T", "es": "T"},
            )


def test_without_districts_the_district_question_is_left_out_or_refused_when_chosen():
    survey, by = make_survey(), designer()
    whole = build_instrument_from_bank(survey=survey, by=by, name="w", title={"en": "W", "es": "W"})
    assert not whole.questions.filter(topic="demographics.district").exists()
    with pytest.raises(DesignError) as refused:
        build_instrument_from_bank(
            survey=survey,
            by=by,
            name="d",
            title={"en": "D", "es": "D"},
            topics=["demographics.district", "trust.fair"],
        )
    assert "demographics.district" in refused.value.message_dict["topics"][0]
