"""The questionnaire builder's actions: questions of every kind in every language, skip logic
and answer checks that name what they cannot find, reordering, lists of answers, and the
lock on an instrument a wave has used (copy it to a new version instead)."""

import pytest
from django.core.exceptions import PermissionDenied

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.conftest import make_staff
from commonground.surveys import actions
from commonground.surveys.actions import DesignError, InstrumentLocked, QuestionData
from commonground.surveys.answers import clean_answers, pages
from commonground.surveys.models import Instrument, QuestionKind, WaveStatus
from commonground.surveys.tests.factories import make_instrument, make_survey, make_wave
from commonground.surveys.tests.form_helpers import designer, snapshot

pytestmark = pytest.mark.django_db


def _words(en, es):
    return {"en": en, "es": es}


@pytest.fixture
def by():
    return designer()


@pytest.fixture
def blank(by):
    return actions.create_instrument(
        survey=make_survey(), by=by, name="blank", title=_words("B", "B"), languages=["en", "es"]
    )


def _yes_no(instrument, by):
    return actions.save_choice_list(
        instrument=instrument,
        by=by,
        name="yes_no",
        choices=actions.parse_choice_lines("yes | Yes | Sí\nno | No | No", ["en", "es"]),
    )


def test_a_survey_needs_a_title_in_every_language_and_a_free_short_name(by):
    survey = actions.create_survey(by=by, slug="trust", title=_words("Trust", "Confianza"))
    assert survey.title == {"en": "Trust", "es": "Confianza"}
    with pytest.raises(DesignError) as refused:
        actions.create_survey(by=by, slug="trust", title={"en": "Again"})
    problems = refused.value.message_dict
    assert problems["slug"] == ["Another survey already has this short name."]
    assert problems["title_es"] == ["Give the title in Spanish."]
    with pytest.raises(DesignError) as refused:
        actions.create_survey(by=by, slug="Not a slug!", title=_words("A", "B"))
    assert "slug" in refused.value.message_dict


def test_every_kind_of_question_is_built_and_answered(by, blank):
    yes_no = _yes_no(blank, by)
    agree = actions.save_choice_list(
        instrument=blank,
        by=by,
        name="agree",
        choices=[(str(n), _words(f"a{n}", f"e{n}")) for n in range(1, 6)],
    )
    kinds = {
        "single": (QuestionKind.SINGLE, yes_no),
        "multiple": (QuestionKind.MULTIPLE, yes_no),
        "agreement": (QuestionKind.AGREEMENT, agree),
        "scale": (QuestionKind.SCALE, None),
        "integer": (QuestionKind.INTEGER, None),
        "decimal": (QuestionKind.DECIMAL, None),
        "text": (QuestionKind.TEXT, None),
        "long_text": (QuestionKind.LONG_TEXT, None),
        "note": (QuestionKind.NOTE, None),
    }
    for name, (kind, choice_list) in kinds.items():
        actions.save_question(
            instrument=blank,
            by=by,
            data=QuestionData(
                name=name, kind=kind, choice_list=choice_list, label=_words(name, name + " es")
            ),
        )
    assert {q.kind for q in blank.questions.all()} == set(QuestionKind.values)
    answers = {
        "single": "yes",
        "multiple": ["yes", "no"],
        "agreement": "4",
        "scale": 7.0,
        "integer": 3.0,
        "decimal": 2.5,
        "text": "short",
        "long_text": "long",
    }
    assert clean_answers(blank, answers) == (answers, {})


def test_skip_logic_naming_an_unknown_question_is_refused_with_its_name(by, blank):
    _yes_no(blank, by)
    data = QuestionData(
        name="kind_of_contact",
        kind=QuestionKind.TEXT,
        label=_words("What happened?", "¿Qué pasó?"),
        relevant="${contact} = 'yes' and ${stoped} = 'yes'",
        constraint="string-length(.) < ${maximum}",
    )
    with pytest.raises(DesignError) as refused:
        actions.save_question(instrument=blank, by=by, data=data)
    problems = refused.value.message_dict
    assert "${contact}, ${stoped}" in problems["relevant"][0]
    assert "${maximum}" in problems["constraint"][0]
    assert blank.questions.count() == 0


def test_an_expression_that_cannot_be_read_says_where(by, blank):
    data = QuestionData(
        name="age",
        kind=QuestionKind.INTEGER,
        label=_words("Age", "Edad"),
        constraint=". >= 18 and",
    )
    with pytest.raises(DesignError) as refused:
        actions.save_question(instrument=blank, by=by, data=data)
    assert "cannot be read" in refused.value.message_dict["constraint"][0]


def test_skip_logic_on_the_questions_own_answer_is_refused(by, blank):
    data = QuestionData(
        name="age", kind=QuestionKind.INTEGER, label=_words("Age", "Edad"), relevant="${age} > 1"
    )
    with pytest.raises(DesignError) as refused:
        actions.save_question(instrument=blank, by=by, data=data)
    assert "own answer" in refused.value.message_dict["relevant"][0]


def test_words_are_asked_in_every_language_and_messages_in_all_or_none(by, blank):
    data = QuestionData(
        name="age",
        kind=QuestionKind.INTEGER,
        label={"en": "Age"},
        hint={"es": "En años"},
        required=True,
        required_message={"en": "Give your age."},
    )
    with pytest.raises(DesignError) as refused:
        actions.save_question(instrument=blank, by=by, data=data)
    problems = refused.value.message_dict
    assert problems["label_es"] == ["Give the question in Spanish."]
    assert problems["hint_en"] == ["Give the hint in English."]
    assert problems["required_message_es"] == ["Give the message for a missing answer in Spanish."]
    assert "constraint_message_en" not in problems


def test_a_choice_question_needs_one_of_its_own_lists(by, blank):
    other = make_instrument(make_survey("other"))
    data = QuestionData(name="q", kind=QuestionKind.SINGLE, label=_words("Q", "P"))
    with pytest.raises(DesignError) as refused:
        actions.save_question(instrument=blank, by=by, data=data)
    assert "choice_list" in refused.value.message_dict
    data.choice_list = other.lists.first()
    with pytest.raises(DesignError) as refused:
        actions.save_question(instrument=blank, by=by, data=data)
    assert refused.value.message_dict["choice_list"] == [
        "Choose one of this questionnaire's lists."
    ]


def test_a_question_built_with_skip_logic_is_skipped_by_the_answers_engine(by, blank):
    yes_no = _yes_no(blank, by)
    actions.save_question(
        instrument=blank,
        by=by,
        data=QuestionData(
            name="contact",
            kind=QuestionKind.SINGLE,
            choice_list=yes_no,
            label=_words("Contact?", "¿Contacto?"),
            required=True,
        ),
    )
    actions.save_question(
        instrument=blank,
        by=by,
        data=QuestionData(
            name="what",
            kind=QuestionKind.TEXT,
            label=_words("What happened?", "¿Qué pasó?"),
            required=True,
            required_message=_words("Tell us what happened.", "Díganos qué pasó."),
            relevant="${contact} = 'yes'",
        ),
    )
    assert clean_answers(blank, {"contact": "no"}) == ({"contact": "no"}, {})
    assert clean_answers(blank, {"contact": "yes"}, language="es")[1] == {
        "what": "Díganos qué pasó."
    }
    assert AuditEvent.objects.filter(action="survey.question_added").count() == 2


def test_renaming_or_removing_a_question_others_refer_to_is_refused(by):
    instrument = make_instrument()
    contact = instrument.questions.get(name="contact")
    with pytest.raises(DesignError) as refused:
        actions.delete_question(question=contact, by=by)
    assert "contact_kind" in str(refused.value)
    data = QuestionData(
        name="contact2",
        kind=contact.kind,
        choice_list=contact.choice_list,
        label=contact.label,
    )
    with pytest.raises(DesignError) as refused:
        actions.save_question(instrument=instrument, by=by, data=data, question=contact)
    assert "contact_kind" in refused.value.message_dict["name"][0]
    comment = instrument.questions.get(name="comment")
    actions.delete_question(question=comment, by=by)
    assert not instrument.questions.filter(name="comment").exists()


def test_questions_move_within_and_across_pages(by):
    instrument = make_instrument()

    def order():
        return [[q.name for q in page] for page in pages(instrument)]

    assert order()[0] == ["safe", "contact"]
    actions.move_question(question=instrument.questions.get(name="contact"), by=by, direction="up")
    assert order()[0] == ["contact", "safe"]
    # The first question of page 2 moved up goes to the end of page 1.
    actions.move_question(
        question=instrument.questions.get(name="contact_kind"), by=by, direction="up"
    )
    assert order()[:2] == [["contact", "safe", "contact_kind"], ["trust"]]
    actions.move_question(
        question=instrument.questions.get(name="contact_kind"), by=by, direction="down"
    )
    assert order()[:2] == [["contact", "safe"], ["contact_kind", "trust"]]
    # At the very end nothing moves.
    last = instrument.questions.get(name="comment")
    actions.move_question(question=last, by=by, direction="down")
    assert order()[-1][-1] == "comment"
    with pytest.raises(DesignError):
        actions.move_question(question=last, by=by, direction="sideways")


def test_choice_lists_report_each_line_and_keep_codes_unique(by, blank):
    with pytest.raises(DesignError) as refused:
        actions.save_choice_list(
            instrument=blank,
            by=by,
            name="bad name",
            choices=actions.parse_choice_lines("yes | Yes\nyes | Yes | Sí\n | x | y", ["en", "es"]),
        )
    problems = refused.value.message_dict
    assert "name" in problems
    assert problems["choices"] == [
        "Line 1: give the label in Spanish.",
        "Line 2: the code “yes” is used twice.",
        "Line 3: give the choice's code first.",
    ]
    yes_no = _yes_no(blank, by)
    actions.save_question(
        instrument=blank,
        by=by,
        data=QuestionData(
            name="q", kind=QuestionKind.SINGLE, choice_list=yes_no, label=_words("Q", "P")
        ),
    )
    with pytest.raises(DesignError):
        actions.delete_choice_list(choice_list=yes_no, by=by)
    saved = actions.save_choice_list(
        instrument=blank,
        by=by,
        name="yes_no",
        choices=actions.parse_choice_lines(
            "yes | Yes | Sí\nno | No | No\ndk | Unsure | No sé", ["en", "es"]
        ),
        choice_list=yes_no,
    )
    assert actions.choice_lines(saved, ["en", "es"]).splitlines()[-1] == "dk | Unsure | No sé"


def test_an_instrument_a_wave_has_opened_cannot_change_but_can_be_copied(by):
    instrument = make_instrument()
    wave = make_wave(instrument, status=WaveStatus.DRAFT)
    safe = instrument.questions.get(name="safe")
    # A draft wave does not lock it.
    actions.move_question(question=safe, by=by, direction="down")
    actions.transition_wave(wave=wave, to=WaveStatus.OPEN, by=by)
    before = snapshot(instrument)
    attempts = [
        lambda: actions.save_question(
            instrument=instrument,
            by=by,
            data=QuestionData(name="new", kind=QuestionKind.TEXT, label=_words("N", "N")),
        ),
        lambda: actions.delete_question(question=safe, by=by),
        lambda: actions.move_question(question=safe, by=by, direction="up"),
        lambda: actions.save_choice_list(
            instrument=instrument, by=by, name="x", choices=[("a", _words("A", "A"))]
        ),
        lambda: actions.delete_choice_list(choice_list=instrument.lists.first(), by=by),
    ]
    for attempt in attempts:
        with pytest.raises(InstrumentLocked):
            attempt()
    assert snapshot(instrument) == before

    copy = actions.copy_instrument(instrument=instrument, by=by)
    assert copy.version == instrument.version + 1
    assert snapshot(copy) == before
    actions.delete_question(question=copy.questions.get(name="comment"), by=by)
    assert snapshot(Instrument.objects.get(pk=instrument.pk)) == before


def test_people_who_do_not_design_surveys_change_nothing(blank):
    for role in (Role.INTERVIEWER, Role.AGENCY_HEAD, Role.ADMINISTRATOR, Role.INVESTIGATOR):
        user = make_staff(f"no-{role}", role)
        with pytest.raises(PermissionDenied):
            actions.save_question(
                instrument=blank,
                by=user,
                data=QuestionData(name="q", kind=QuestionKind.TEXT, label=_words("Q", "P")),
            )
        with pytest.raises(PermissionDenied):
            actions.copy_instrument(instrument=blank, by=user)
        with pytest.raises(PermissionDenied):
            actions.create_survey(by=user, slug=f"s{role[:3]}", title=_words("A", "B"))
    assert blank.questions.count() == 0
