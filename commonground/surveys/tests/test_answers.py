"""The answers engine: pages, the form for one page in one language, and the check of a whole
questionnaire that every channel's final submit relies on."""

import pytest
from django.http import QueryDict
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonground.surveys.answers import PageForm, check_all, clean_answers, pages
from commonground.surveys.models import Question
from commonground.surveys.tests.factories import COMPLETE_ANSWERS, make_instrument


@pytest.fixture
def instrument(db):
    return make_instrument()


def post(**values) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in values.items():
        if isinstance(value, list):
            data.setlist(name, value)
        else:
            data[name] = value
    return data


def page_form(instrument, number, *, language="en", known=None, **values):
    return PageForm(
        pages(instrument)[number - 1],
        language=language,
        known=known or {},
        data=post(**values) if values else None,
    )


def test_pages_group_questions_by_page_then_position(instrument):
    assert [[q.name for q in page] for page in pages(instrument)] == [
        ["safe", "contact"],
        ["contact_kind", "trust"],
        ["age", "years_here", "note_private", "comment"],
    ]


def test_a_page_shows_each_kind_of_question_with_its_own_widget(instrument):
    first, second, third = (page_form(instrument, n) for n in (1, 2, 3))
    assert first.fields["safe"].widget.input_type == "radio"
    assert [v for v, _label in first.fields["safe"].choices] == ["1", "2", "3", "4", "5"]
    second_known = page_form(instrument, 2, known={"contact": "yes"})
    assert second_known.fields["contact_kind"].widget.input_type == "checkbox"
    assert [v for v, _label in second.fields["trust"].choices] == [str(n) for n in range(11)]
    assert third.fields["age"].widget.input_type == "number"
    assert third.fields["comment"].widget.__class__.__name__ == "Textarea"
    assert [q.name for q in third.notes] == ["note_private"]


def test_labels_hints_and_choices_are_in_the_language_asked_for(instrument):
    form = page_form(instrument, 2, language="es", known={"contact": "yes"})
    assert form.fields["contact_kind"].label == "¿Qué contacto tuvo?"
    assert form.fields["contact_kind"].help_text == "Elija todas las que correspondan."
    assert dict(form.fields["contact_kind"].choices)["stopped"] == "Me pararon"


def test_a_language_the_instrument_lacks_falls_back_to_its_default(instrument):
    form = page_form(instrument, 1, language="fr")
    assert form.fields["safe"].label == "I feel safe walking in my neighbourhood after dark."


def test_skip_logic_hides_a_question_and_does_not_require_it(instrument):
    form = page_form(instrument, 2, known={"contact": "no"}, trust="6")
    assert "contact_kind" not in form.fields
    assert form.is_valid(), form.errors
    assert form.answers == {"trust": 6.0}


def test_a_question_the_skip_logic_asks_is_required_with_its_message(instrument):
    form = page_form(instrument, 2, known={"contact": "yes"}, trust="6")
    assert "contact_kind" in form.fields
    assert not form.is_valid()
    assert list(form.errors) == ["contact_kind"]


def test_required_uses_the_question_own_message_in_the_language(instrument):
    form = page_form(instrument, 1, language="es", contact="no")
    assert not form.is_valid()
    assert form.errors["safe"] == ["Díganos qué tan seguro se siente."]


def test_required_without_a_message_of_its_own_gets_a_plain_translated_one(instrument):
    with translation.override("es"):
        form = page_form(instrument, 1, language="es", safe="3")
        assert not form.is_valid()
        assert form.errors["contact"] == ["Por favor, responda esta pregunta."]


def test_a_constraint_gives_the_author_message_in_the_language(instrument):
    form = page_form(instrument, 3, language="es", age="12")
    assert not form.is_valid()
    assert form.errors["age"] == ["Esta encuesta es para adultos: escriba una edad de 18 a 120."]
    assert page_form(instrument, 3, language="es", age="18").is_valid()


def test_a_multiple_choice_answer_is_a_list_of_values(instrument):
    form = page_form(
        instrument, 2, known={"contact": "yes"}, contact_kind=["stopped", "called"], trust="0"
    )
    assert form.is_valid(), form.errors
    assert form.answers == {"contact_kind": ["stopped", "called"], "trust": 0.0}


def test_a_choice_not_in_the_list_is_refused(instrument):
    form = page_form(instrument, 1, safe="9", contact="yes")
    assert not form.is_valid()
    assert "safe" in form.errors
    assert "contact" not in form.errors


def test_numbers_are_stored_as_floats_and_texts_as_text(instrument):
    form = page_form(instrument, 3, age="40", years_here="0.5", comment="  Fine.  ")
    assert form.is_valid(), form.errors
    assert form.answers == {"age": 40.0, "years_here": 0.5, "comment": "Fine."}


def test_a_question_on_the_same_page_made_relevant_by_an_answer_is_asked_next(instrument):
    Question.objects.filter(instrument=instrument, name="contact_kind").update(page=1)
    first = pages(instrument)[0]
    form = PageForm(first, language="en", known={}, data=post(safe="2", contact="yes"))
    assert "contact_kind" not in PageForm(first, language="en", known={}).fields
    assert "contact_kind" in form.fields  # shown as soon as the answer that asks it is posted
    assert not form.is_valid()
    shown_again = PageForm(
        first, language="en", known={}, data=post(safe="2", contact="no", contact_kind="called")
    )
    assert shown_again.is_valid(), shown_again.errors
    assert "contact_kind" not in shown_again.answers


def test_newly_shown_names_the_questions_a_page_did_not_ask_yet(instrument):
    Question.objects.filter(instrument=instrument, name="contact_kind").update(page=1)
    form = PageForm(pages(instrument)[0], language="en", known={})
    assert [q.name for q in form.newly_shown({"contact": "yes"})] == ["contact_kind"]
    assert form.newly_shown({"contact": "no"}) == []


def test_check_all_accepts_a_complete_questionnaire(instrument):
    assert check_all(instrument, COMPLETE_ANSWERS) == {}


def test_check_all_drops_answers_to_questions_the_skip_logic_leaves_out(instrument):
    answers = {**COMPLETE_ANSWERS, "contact": "no"}
    kept, errors = clean_answers(instrument, answers)
    assert errors == {}
    assert "contact_kind" not in kept
    assert kept["contact"] == "no"


def test_check_all_names_each_missing_required_answer(instrument):
    errors = check_all(instrument, {"contact": "yes"})
    assert set(errors) == {"safe", "contact_kind", "trust"}
    assert errors["safe"] == "Tell us how safe you feel."


def test_check_all_does_not_trust_the_pages(instrument):
    errors = check_all(
        instrument,
        {
            **COMPLETE_ANSWERS,
            "safe": "9",
            "age": 7.0,
            "trust": 11.0,
            "contact_kind": "stopped",
            "smuggled": "x",
        },
    )
    assert set(errors) == {"safe", "age", "trust", "contact_kind", "smuggled"}
    assert errors["age"] == "This survey is for adults: enter an age from 18 to 120."


def test_check_all_gives_messages_in_the_language_asked_for(instrument):
    errors = check_all(instrument, {**COMPLETE_ANSWERS, "age": 7.0}, language="es")
    assert errors == {"age": "Esta encuesta es para adultos: escriba una edad de 18 a 120."}


names = st.sampled_from(
    ["safe", "contact", "contact_kind", "trust", "age", "years_here", "note_private", "comment"]
) | st.text(max_size=8)
junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["1", "5", "yes", "no", "stopped", "called", "10", "-1", "1e309"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)


@pytest.mark.django_db
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(answers=st.dictionaries(names, junk, max_size=10))
def test_any_junk_answers_either_validate_or_get_messages_never_a_crash(instrument, answers):
    kept, errors = clean_answers(instrument, answers)
    assert isinstance(errors, dict)
    assert all(isinstance(message, str) and message for message in errors.values())
    if not errors:
        # What passes is exactly what a second check passes unchanged.
        assert clean_answers(instrument, kept) == (kept, {})


@pytest.mark.django_db
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    number=st.integers(min_value=1, max_value=3),
    values=st.dictionaries(names, st.lists(st.text(max_size=12), max_size=3), max_size=6),
    language=st.sampled_from(["en", "es", "zz"]),
)
def test_any_junk_posted_to_a_page_either_validates_or_gets_messages(
    instrument, number, values, language
):
    data = QueryDict(mutable=True)
    for name, listed in values.items():
        data.setlist(name, listed)
    form = PageForm(pages(instrument)[number - 1], language=language, known={}, data=data)
    if form.is_valid():
        assert check_all(instrument, form.answers) is not None
        assert set(form.answers) <= set(form.fields)
    else:
        assert form.errors
