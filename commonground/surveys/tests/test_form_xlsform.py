"""XLSForm in and out: export then import gives back the same questionnaire exactly (every
kind, pages, skip logic, messages, both languages), and every problem of an uploaded file is
reported with its sheet, row and column, with nothing imported."""

import io
import uuid

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from commonground.surveys import actions, xlsform
from commonground.surveys.actions import XLSFormRefused
from commonground.surveys.models import (
    CHOICE_KINDS,
    Choice,
    ChoiceList,
    Instrument,
    Question,
    QuestionKind,
)
from commonground.surveys.tests.factories import make_instrument, make_survey
from commonground.surveys.tests.form_helpers import designer, snapshot

pytestmark = pytest.mark.django_db


def _upload(data: bytes, name="form.xlsx"):
    upload = io.BytesIO(data)
    upload.name = name
    return upload


def _workbook(survey_rows, choice_rows=(), settings_rows=None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey_rows:
        sheet.append(list(row))
    choices = book.create_sheet("choices")
    for row in choice_rows:
        choices.append(list(row))
    settings = book.create_sheet("settings")
    for row in settings_rows or [
        ["form_id", "form_title", "default_language"],
        ["imported", "Imported", "English (en)"],
    ]:
        settings.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_export_then_import_gives_back_the_same_questionnaire():
    instrument = make_instrument()
    # Every kind, with a gap in the page numbers.
    yes_no = instrument.lists.get(name="yes_no")
    instrument.questions.create(
        name="feel", kind=QuestionKind.SCALE, page=5, position=20, label={"en": "F", "es": "S"}
    )
    instrument.questions.create(
        name="where", kind=QuestionKind.TEXT, page=5, position=21, label={"en": "W", "es": "D"}
    )
    instrument.questions.create(
        name="again",
        kind=QuestionKind.SINGLE,
        choice_list=yes_no,
        page=5,
        position=22,
        label={"en": "Again?", "es": "¿Otra vez?"},
        variable="contact_called",
        topic="contact.called",
    )
    assert {q.kind for q in instrument.questions.all()} == set(QuestionKind.values)
    data = xlsform.write(instrument)
    imported = actions.import_instrument(
        survey=make_survey("copy"), by=designer(), upload=_upload(data)
    )
    assert snapshot(imported) == snapshot(instrument)
    # And again: the exported import exports the same workbook content.
    again = actions.import_instrument(
        survey=imported.survey, by=designer("d2"), upload=_upload(xlsform.write(imported))
    )
    assert again.version == 2
    assert snapshot(again) == snapshot(instrument)


def test_a_bank_questionnaire_round_trips_too():
    survey = make_survey()
    built = actions.build_instrument_from_bank(
        survey=survey, by=designer(), name="bank", title={"en": "Bank", "es": "Banco"}
    )
    imported = actions.import_instrument(
        survey=survey, by=designer("d2"), upload=_upload(xlsform.write(built))
    )
    assert snapshot(imported) == snapshot(built)


def test_the_workbook_uses_xlsform_columns_and_types():
    book = load_workbook(io.BytesIO(xlsform.write(make_instrument())))
    assert book.sheetnames == ["survey", "choices", "settings"]
    survey = list(book["survey"].iter_rows(values_only=True))
    header = survey[0]
    for column in (
        "type",
        "name",
        "label::English (en)",
        "label::Spanish (es)",
        "hint::English (en)",
        "required",
        "required_message::Spanish (es)",
        "relevant",
        "constraint",
        "constraint_message::English (en)",
    ):
        assert column in header
    types = [row[0] for row in survey[1:]]
    assert types[:4] == ["begin group", "select_one agree5", "select_one yes_no", "end group"]
    assert "select_multiple contact_kinds" in types
    assert "range" in types and "integer" in types and "decimal" in types and "note" in types
    rows = {row[1]: dict(zip(header, row, strict=False)) for row in survey[1:]}
    assert rows["safe"]["appearance"] == "likert"
    assert rows["trust"]["parameters"] == "start=0 end=10 step=1"
    assert rows["comment"]["appearance"] == "multiline"
    assert rows["contact_kind"]["relevant"] == "${contact} = 'yes'"
    settings = list(book["settings"].iter_rows(values_only=True))
    assert dict(zip(settings[0], settings[1], strict=False))["form_id"] == "trust_safety"


def test_each_problem_is_reported_with_its_sheet_row_and_column_and_nothing_is_imported():
    data = _workbook(
        [
            ["type", "name", "label::English (en)", "label::Spanish (es)", "relevant", "required"],
            ["select_one missing", "q1", "One", "Uno", "", ""],
            ["integer", "q2", "Two", "", "${nowhere} > 1", ""],
            ["geopoint", "q3", "Where", "Dónde", "", ""],
            ["text", "2bad", "Bad", "Malo", "", "perhaps"],
            ["range", "q5", "Five", "Cinco", "", ""],
            ["text", "q1", "Again", "Otra", "", ""],
            ["integer", "q7", "Seven", "Siete", ". >", ""],
        ],
        [
            ["list_name", "name", "label::English (en)", "label::Spanish (es)"],
            ["yn", "y", "Yes", ""],
        ],
    )
    survey = make_survey()
    with pytest.raises(XLSFormRefused) as refused:
        actions.import_instrument(survey=survey, by=designer(), upload=_upload(data))
    found = {(p.sheet, p.row, p.column) for p in refused.value.problems}
    assert ("survey", 2, "type") in found  # no list "missing"
    assert ("survey", 3, "label::Spanish (es)") in found
    assert ("survey", 3, "relevant") in found
    assert ("survey", 4, "type") in found  # geopoint
    assert ("survey", 5, "name") in found
    assert ("survey", 5, "required") in found
    assert ("survey", 6, "parameters") in found
    assert ("survey", 7, "name") in found  # q1 twice
    assert ("survey", 8, "relevant") in found
    assert ("choices", None, "label::Spanish (es)") in found
    messages = {(p.row, p.column): p.message for p in refused.value.problems}
    assert "${nowhere}" in messages[(3, "relevant")]
    assert "geopoint" in messages[(4, "type")]
    assert str(next(p for p in refused.value.problems if p.row == 4)).startswith(
        "survey, row 4, column type:"
    )
    assert not Instrument.objects.filter(survey=survey).exists()


def test_plain_label_columns_and_metadata_rows_are_read():
    data = _workbook(
        [
            ["type", "name", "label", "label::Spanish (es)"],
            ["start", "start", "", ""],
            ["deviceid", "deviceid", "", ""],
            ["integer", "age", "Age", "Edad"],
        ],
        settings_rows=[
            ["form_id", "form_title", "title::Spanish (es)"],
            ["f", "Form", "Formulario"],
        ],
    )
    imported = actions.import_instrument(survey=make_survey(), by=designer(), upload=_upload(data))
    assert imported.languages == ["en", "es"]
    assert imported.title == {"en": "Form", "es": "Formulario"}
    question = imported.questions.get()
    assert (question.name, question.label, question.page) == ("age", {"en": "Age", "es": "Edad"}, 1)


def test_a_file_that_is_not_a_workbook_is_refused_plainly():
    with pytest.raises(XLSFormRefused) as refused:
        actions.import_instrument(
            survey=make_survey(), by=designer(), upload=_upload(b"%PDF-1.4 not a workbook")
        )
    assert "not an Excel workbook" in refused.value.problems[0].message
    book = Workbook()
    book.active.title = "other"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(XLSFormRefused) as refused:
        actions.import_instrument(
            survey=make_survey("s2"), by=designer("d2"), upload=_upload(out.getvalue())
        )
    assert refused.value.problems[0].message == "The workbook has no “survey” sheet."


def test_unbalanced_groups_are_reported():
    data = _workbook(
        [
            ["type", "name", "label::English (en)"],
            ["begin group", "page_1", ""],
            ["begin group", "inner", ""],
            ["integer", "a", "A"],
            ["end group", "", ""],
            ["end group", "", ""],
        ],
    )
    _form, problems = xlsform.read(_upload(data))
    assert [(p.row, p.column) for p in problems] == [(3, "type"), (6, "type")]


_WORDS = (
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40)
    .map(str.strip)
    .filter(bool)
)
_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
_KINDS = st.sampled_from(QuestionKind.values)


@settings(max_examples=25, deadline=None)
@given(
    rows=st.lists(
        st.tuples(_NAMES, _KINDS, _WORDS, _WORDS, st.booleans(), st.integers(1, 4)),
        min_size=1,
        max_size=6,
        unique_by=lambda row: row[0],
    ),
    choices=st.lists(
        st.tuples(_NAMES, _WORDS, _WORDS), min_size=1, max_size=4, unique_by=lambda c: c[0]
    ),
)
def test_any_questionnaire_round_trips_exactly(rows, choices):
    """Whatever the words (formula-like text, accents, other scripts, line breaks inside),
    export then import gives back the same questionnaire."""
    survey = make_survey(f"s{uuid.uuid4().hex[:12]}")
    instrument = Instrument.objects.create(
        survey=survey,
        name="prop",
        title={"en": "=Title", "es": "Título"},
        languages=["en", "es"],
        created_at=timezone.now(),
    )
    choice_list = ChoiceList.objects.create(instrument=instrument, name="opts")
    for position, (value, en, es) in enumerate(choices):
        Choice.objects.create(
            choice_list=choice_list, value=value, label={"en": en, "es": es}, position=position
        )
    for position, (name, kind, en, es, required, page) in enumerate(rows):
        Question.objects.create(
            instrument=instrument,
            name=name,
            kind=kind,
            choice_list=choice_list if kind in CHOICE_KINDS else None,
            label={"en": en, "es": es},
            hint={"en": es, "es": en} if required else {},
            required=required and kind != QuestionKind.NOTE,
            page=page,
            position=position,
        )
    _form, problems = xlsform.read(_upload(xlsform.write(instrument)))
    assert problems == []
    imported = actions.import_instrument(
        survey=survey,
        by=designer(f"d{uuid.uuid4().hex[:8]}"),
        upload=_upload(xlsform.write(instrument)),
    )
    assert snapshot(imported) == snapshot(instrument)


def test_a_spanish_first_questionnaire_keeps_spanish_as_its_default():
    instrument = make_instrument()
    instrument.languages, instrument.default_language = ["es", "en"], "es"
    instrument.save()
    imported = actions.import_instrument(
        survey=make_survey("es-first"), by=designer(), upload=_upload(xlsform.write(instrument))
    )
    assert (imported.languages, imported.default_language) == (["es", "en"], "es")
    assert snapshot(imported) == snapshot(instrument)
