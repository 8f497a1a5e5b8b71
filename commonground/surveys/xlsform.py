"""Questionnaires as XLSForm workbooks, so they move to and from ODK and KoBo.

Sheets: `survey` (one row a question), `choices` (one row a choice) and `settings`. Words are
in `label::English (en)`-style columns, one per language (also `hint::`, `required_message::`
and `constraint_message::`). Pages are `begin group`/`end group` pairs with the `field-list`
appearance, named `page_<n>`; a question outside any group is a page of its own.

Kinds map as: single choice `select_one list`, agreement scale `select_one list` with the
`likert` appearance, multiple choice `select_multiple list`, 0-10 scale `range` with
`start=0 end=10 step=1`, whole number `integer`, number `decimal`, short text `text`, long
text `text` with the `multiline` appearance, note `note`. Two extra columns, `variable` and
`topic`, keep what a question measures and its bank code (ODK and KoBo ignore them).

`read` never trusts the file: every problem is reported with its sheet, row and column, and
nothing is imported while any remains. `write` then `read` gives back the same questionnaire."""

import io
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from commonground.surveys.categories import Variable
from commonground.surveys.expressions import ExpressionError, parse, references
from commonground.surveys.models import CHOICE_KINDS, Instrument, QuestionKind

LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}
NAMES_TO_CODES = {"english": "en", "spanish": "es", "español": "es", "espanol": "es"}
WORD_COLUMNS = ("label", "hint", "required_message", "constraint_message")
# Types that collect nothing from the respondent (device metadata): skipped on import.
METADATA_TYPES = {
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
}
SIMPLE_TYPES = {
    "integer": QuestionKind.INTEGER,
    "int": QuestionKind.INTEGER,
    "decimal": QuestionKind.DECIMAL,
    "text": QuestionKind.TEXT,
    "string": QuestionKind.TEXT,
    "note": QuestionKind.NOTE,
}
SCALE_PARAMETERS = "start=0 end=10 step=1"
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")
LANGUAGE_COLUMN = re.compile(r"^(?P<base>[a-z_]+)::(?P<language>.+)$")
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024


def language_label(code: str) -> str:
    return f"{LANGUAGE_NAMES.get(code, code)} ({code})"


# ---- writing -----------------------------------------------------------------------------


def _type_of(question) -> tuple[str, str, str]:
    """(type, appearance, parameters) of a question."""
    kind = question.kind
    list_name = question.choice_list.name if question.choice_list_id else ""
    if kind == QuestionKind.SINGLE:
        return f"select_one {list_name}", "", ""
    if kind == QuestionKind.AGREEMENT:
        return f"select_one {list_name}", "likert", ""
    if kind == QuestionKind.MULTIPLE:
        return f"select_multiple {list_name}", "", ""
    if kind == QuestionKind.SCALE:
        return "range", "", SCALE_PARAMETERS
    if kind == QuestionKind.LONG_TEXT:
        return "text", "multiline", ""
    return (
        {
            QuestionKind.INTEGER: "integer",
            QuestionKind.DECIMAL: "decimal",
            QuestionKind.TEXT: "text",
            QuestionKind.NOTE: "note",
        }[kind],
        "",
        "",
    )


def _append(sheet, values) -> None:
    """A row of text: a value starting with "=" stays text, never a formula that a spreadsheet
    would run when staff open the file (a label typed as =HYPERLINK(...), say); control
    characters a workbook cannot hold are left out."""
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.data_type != "s":
            cell.data_type = "s"  # not a formula ("=...") nor an error code ("#N/A")


def write(instrument: Instrument) -> bytes:
    """The instrument as an XLSForm workbook (.xlsx)."""
    languages = list(instrument.languages)
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    word_headers = [
        (base, code, f"{base}::{language_label(code)}")
        for base in WORD_COLUMNS
        for code in languages
    ]
    headers = [
        "type",
        "name",
        *[h for base, _c, h in word_headers if base == "label"],
        *[h for base, _c, h in word_headers if base == "hint"],
        "required",
        *[h for base, _c, h in word_headers if base == "required_message"],
        "relevant",
        "constraint",
        *[h for base, _c, h in word_headers if base == "constraint_message"],
        "appearance",
        "parameters",
        "variable",
        "topic",
    ]
    _append(survey, headers)
    questions = list(
        instrument.questions.select_related("choice_list").order_by("page", "position", "pk")
    )
    page = None
    for question in questions:
        if question.page != page:
            if page is not None:
                _append(survey, ["end group"])
            page = question.page
            group = {"type": "begin group", "name": f"page_{page}", "appearance": "field-list"}
            _append(survey, [group.get(header) for header in headers])
        kind, appearance, parameters = _type_of(question)
        row = {
            "type": kind,
            "name": question.name,
            "required": "yes" if question.required else "",
            "relevant": question.relevant,
            "constraint": question.constraint,
            "appearance": appearance,
            "parameters": parameters,
            "variable": question.variable,
            "topic": question.topic,
        }
        for base, code, header in word_headers:
            row[header] = (getattr(question, base) or {}).get(code, "")
        _append(survey, [row.get(header, "") or None for header in headers])
    if page is not None:
        _append(survey, ["end group"])

    choices = workbook.create_sheet("choices")
    choice_headers = ["list_name", "name", *[f"label::{language_label(c)}" for c in languages]]
    _append(choices, choice_headers)
    for choice_list in instrument.lists.prefetch_related("choices").order_by("name"):
        for choice in choice_list.choices.all():
            _append(
                choices,
                [choice_list.name, choice.value]
                + [choice.label.get(code, "") or None for code in languages],
            )

    settings = workbook.create_sheet("settings")
    _append(
        settings,
        [
            "form_title",
            "form_id",
            "version",
            "default_language",
            *[f"title::{language_label(c)}" for c in languages],
        ],
    )
    _append(
        settings,
        [
            instrument.title.get(instrument.default_language, "") or instrument.name,
            instrument.name,
            str(instrument.version),
            language_label(instrument.default_language),
            *[instrument.title.get(code, "") or None for code in languages],
        ],
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ---- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str
    message: str

    def __str__(self):
        where = self.sheet if self.row is None else f"{self.sheet}, row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass
class ParsedQuestion:
    row: int
    name: str
    kind: str
    page: int
    list_name: str = ""
    label: dict[str, str] = field(default_factory=dict)
    hint: dict[str, str] = field(default_factory=dict)
    required: bool = False
    required_message: dict[str, str] = field(default_factory=dict)
    relevant: str = ""
    constraint: str = ""
    constraint_message: dict[str, str] = field(default_factory=dict)
    variable: str = ""
    topic: str = ""


@dataclass
class ParsedForm:
    name: str = ""
    title: dict[str, str] = field(default_factory=dict)
    languages: list[str] = field(default_factory=list)
    # {list name: [(value, {language: label})]} in the order of the choices sheet.
    lists: dict[str, list[tuple[str, dict[str, str]]]] = field(default_factory=dict)
    questions: list[ParsedQuestion] = field(default_factory=list)


class _Sheet:
    """A sheet's rows as {header: text}, headers lower-cased (language names kept)."""

    def __init__(self, worksheet, name: str, problems: list[Problem]):
        self.name = name
        self.rows: list[tuple[int, dict[str, str]]] = []
        self.headers: list[str] = []
        rows = worksheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        for value in header:
            text = "" if value is None else str(value).strip()
            base, sep, rest = text.partition("::")
            self.headers.append(base.lower() + sep + rest if sep else text.lower())
        for number, values in enumerate(rows, start=2):
            if number > MAX_ROWS:
                problems.append(
                    Problem(
                        name,
                        number,
                        "",
                        _("The sheet has too many rows (at most %(n)s).") % {"n": MAX_ROWS},
                    )
                )
                break
            row = {}
            for header, value in zip(self.headers, values, strict=False):
                if header and value is not None and str(value).strip():
                    row[header] = _text(value)
            if row:
                self.rows.append((number, row))


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _language_of(column: str, default: str) -> str | None:
    """The language code a column is in: `label::English (en)` is "en", `label::Spanish` is
    "es", plain `label` is the form's default language; None when it cannot be told."""
    match = LANGUAGE_COLUMN.match(column)
    if not match:
        return default
    language = match.group("language").strip()
    code = re.search(r"\(([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)?)\)\s*$", language)
    if code:
        return code.group(1).lower()
    return NAMES_TO_CODES.get(language.lower())


def _words(row: dict, base: str, default: str, sheet: str, number: int, problems, languages):
    found: dict[str, str] = {}
    for column, value in row.items():
        if column != base and not column.startswith(base + "::"):
            continue
        code = _language_of(column, default)
        if code is None or code not in LANGUAGE_NAMES:
            problems.append(
                Problem(sheet, number, column, _("This language is not one the site offers."))
            )
            continue
        found[code] = value
        if code not in languages:
            languages.append(code)
    return found


def _boolean(value: str) -> bool | None:
    text = value.strip().lower()
    if text in ("", "no", "false", "false()", "0"):
        return False
    if text in ("yes", "true", "true()", "1"):
        return True
    return None


def read(upload) -> tuple[ParsedForm, list[Problem]]:
    """The questionnaire a workbook holds and every problem found in it (nothing may be
    imported while there is one)."""
    form = ParsedForm()
    problems: list[Problem] = []
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return form, [Problem(_("file"), None, "", _("The file is larger than 5 MB."))]
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        return form, [
            Problem(
                _("file"), None, "", _("This is not an Excel workbook (.xlsx) that can be read.")
            )
        ]
    sheets = {name.strip().lower(): workbook[name] for name in workbook.sheetnames}
    if "survey" not in sheets:
        return form, [Problem("survey", None, "", _("The workbook has no “survey” sheet."))]
    survey = _Sheet(sheets["survey"], "survey", problems)
    choices = _Sheet(sheets["choices"], "choices", problems) if "choices" in sheets else None
    settings = _Sheet(sheets["settings"], "settings", problems) if "settings" in sheets else None

    default = "en"
    setting = settings.rows[0][1] if settings and settings.rows else {}
    settings_row = settings.rows[0][0] if settings and settings.rows else 2
    if setting.get("default_language"):
        code = _language_of("x::" + setting["default_language"], "en")
        if code in LANGUAGE_NAMES:
            default = code
        else:
            problems.append(
                Problem(
                    "settings",
                    settings_row,
                    "default_language",
                    _("This language is not one the site offers."),
                )
            )
    languages: list[str] = [default]
    form.name = setting.get("form_id", "")
    if not form.name:
        problems.append(
            Problem(
                "settings",
                settings_row,
                "form_id",
                _("Give the form's id (letters, digits and underscores)."),
            )
        )
    elif not NAME.match(form.name):
        problems.append(
            Problem(
                "settings",
                settings_row,
                "form_id",
                _("Use letters, digits and underscores only, starting with a letter."),
            )
        )
    form.title = _words(setting, "title", default, "settings", settings_row, problems, languages)
    if not form.title.get(default) and setting.get("form_title"):
        form.title[default] = setting["form_title"]

    if "type" not in survey.headers:
        problems.append(Problem("survey", 1, "type", _("The sheet has no “type” column.")))
    if "name" not in survey.headers:
        problems.append(Problem("survey", 1, "name", _("The sheet has no “name” column.")))

    if choices is not None:
        for number, row in choices.rows:
            list_name, value = row.get("list_name", ""), row.get("name", "")
            if not list_name or not NAME.match(list_name):
                problems.append(
                    Problem(
                        "choices",
                        number,
                        "list_name",
                        _("Give the list's name (letters, digits and underscores)."),
                    )
                )
                continue
            if not value:
                problems.append(Problem("choices", number, "name", _("Give the choice's code.")))
                continue
            if len(value) > 60:
                problems.append(Problem("choices", number, "name", _("Use at most 60 characters.")))
                continue
            rows = form.lists.setdefault(list_name, [])
            if any(existing == value for existing, _label in rows):
                problems.append(
                    Problem(
                        "choices",
                        number,
                        "name",
                        _("The code “%(value)s” is already in the list %(list)s.")
                        % {"value": value, "list": list_name},
                    )
                )
                continue
            label = _words(row, "label", default, "choices", number, problems, languages)
            rows.append((value, label))

    page, in_group = 0, False
    seen_names: dict[str, int] = {}
    for number, row in survey.rows:
        kind_text = " ".join(row.get("type", "").split())
        kind_lower = kind_text.lower()
        if kind_lower in ("begin group", "begin_group"):
            if in_group:
                problems.append(
                    Problem("survey", number, "type", _("Groups inside groups are not supported."))
                )
                continue
            in_group = True
            named = re.fullmatch(r"page_(\d+)", row.get("name", ""))
            page = max(page + 1, int(named.group(1))) if named else page + 1
            continue
        if kind_lower in ("end group", "end_group"):
            if not in_group:
                problems.append(
                    Problem("survey", number, "type", _("“end group” without a “begin group”."))
                )
            in_group = False
            continue
        if kind_lower in METADATA_TYPES:
            continue
        if not kind_text:
            problems.append(Problem("survey", number, "type", _("Give the question's type.")))
            continue
        question = _question(row, number, kind_text, default, problems, languages)
        if question is None:
            continue
        if not in_group:
            # A question outside any group is shown alone, as ODK does.
            page += 1
        question.page = page
        if question.name in seen_names:
            problems.append(
                Problem(
                    "survey",
                    number,
                    "name",
                    _("Row %(row)s already has the name %(name)s.")
                    % {"row": seen_names[question.name], "name": question.name},
                )
            )
        else:
            seen_names[question.name] = number
        form.questions.append(question)
    if in_group:
        problems.append(Problem("survey", None, "type", _("A “begin group” is never ended.")))
    if not form.questions and not problems:
        problems.append(Problem("survey", None, "", _("The form has no question.")))

    # The default language first: the instrument's default is its first language.
    form.languages = [default] + [c for c in LANGUAGE_NAMES if c in languages and c != default]
    _check(form, problems)
    return form, problems


def _question(row, number, kind_text, default, problems, languages) -> ParsedQuestion | None:
    parts = kind_text.split(" ")
    base = parts[0].lower()
    appearance = row.get("appearance", "").strip().lower()
    list_name = ""
    if base in ("select_one", "select_multiple"):
        if len(parts) != 2:
            problems.append(
                Problem(
                    "survey",
                    number,
                    "type",
                    _("Name the list of choices after %(type)s.") % {"type": base},
                )
            )
            return None
        list_name = parts[1]
        if base == "select_multiple":
            kind = QuestionKind.MULTIPLE
        else:
            kind = QuestionKind.AGREEMENT if "likert" in appearance.split() else QuestionKind.SINGLE
    elif base == "range":
        parameters = " ".join(sorted(row.get("parameters", "").split()))
        if parameters != " ".join(sorted(SCALE_PARAMETERS.split())):
            problems.append(
                Problem(
                    "survey",
                    number,
                    "parameters",
                    _("Only 0 to 10 ranges are supported: start=0 end=10 step=1."),
                )
            )
            return None
        kind = QuestionKind.SCALE
    elif base in SIMPLE_TYPES and len(parts) == 1:
        kind = SIMPLE_TYPES[base]
        if kind == QuestionKind.TEXT and "multiline" in appearance.split():
            kind = QuestionKind.LONG_TEXT
    else:
        problems.append(
            Problem(
                "survey",
                number,
                "type",
                _("The type “%(type)s” is not supported.") % {"type": kind_text},
            )
        )
        return None
    required = _boolean(row.get("required", ""))
    if required is None:
        problems.append(Problem("survey", number, "required", _("Write yes or leave it empty.")))
        required = False
    question = ParsedQuestion(
        row=number,
        name=row.get("name", ""),
        kind=kind,
        page=0,
        list_name=list_name,
        required=required,
        relevant=row.get("relevant", ""),
        constraint=row.get("constraint", ""),
        variable=row.get("variable", ""),
        topic=row.get("topic", ""),
    )
    for base_column in WORD_COLUMNS:
        setattr(
            question,
            base_column,
            _words(row, base_column, default, "survey", number, problems, languages),
        )
    return question


def _column(base: str, code: str) -> str:
    return f"{base}::{language_label(code)}"


def _check(form: ParsedForm, problems: list[Problem]) -> None:
    """What the builder would refuse: a name XLSForm cannot use, a list that does not exist,
    a word missing in a language, an expression that cannot be read or that names a question
    the form does not have."""
    names = {q.name for q in form.questions}
    for code in form.languages:
        if not form.title.get(code):
            problems.append(
                Problem(
                    "settings",
                    2,
                    _column("title", code),
                    _("Give the form's title in this language."),
                )
            )
    for list_name, rows in form.lists.items():
        for value, label in rows:
            for code in form.languages:
                if not label.get(code):
                    problems.append(
                        Problem(
                            "choices",
                            None,
                            _column("label", code),
                            _("The choice %(value)s of %(list)s has no label in this language.")
                            % {"value": value, "list": list_name},
                        )
                    )
    for question in form.questions:
        row = question.row
        if not NAME.match(question.name):
            problems.append(
                Problem(
                    "survey",
                    row,
                    "name",
                    _("Use letters, digits and underscores only, starting with a letter."),
                )
            )
        if question.kind in CHOICE_KINDS and question.list_name not in form.lists:
            problems.append(
                Problem(
                    "survey",
                    row,
                    "type",
                    _("There is no list %(list)s in the choices sheet.")
                    % {"list": question.list_name},
                )
            )
        for code in form.languages:
            if not question.label.get(code):
                problems.append(
                    Problem(
                        "survey", row, _column("label", code), _("Give the label in this language.")
                    )
                )
            for base in ("hint", "required_message", "constraint_message"):
                if getattr(question, base) and not getattr(question, base).get(code):
                    problems.append(
                        Problem(
                            "survey",
                            row,
                            _column(base, code),
                            _("Give this text in every language, or in none."),
                        )
                    )
        if question.kind == QuestionKind.NOTE and (question.required or question.constraint):
            problems.append(
                Problem(
                    "survey",
                    row,
                    "type",
                    _("A note takes no answer, so it cannot be required or checked."),
                )
            )
        if question.variable and question.variable not in Variable.values:
            problems.append(
                Problem(
                    "survey",
                    row,
                    "variable",
                    _("“%(value)s” is not a variable the surveys know.")
                    % {"value": question.variable},
                )
            )
        if len(question.topic) > 60:
            problems.append(Problem("survey", row, "topic", _("Use at most 60 characters.")))
        for column in ("relevant", "constraint"):
            source = getattr(question, column)
            if not source:
                continue
            if len(source) > 500:
                problems.append(Problem("survey", row, column, _("Use at most 500 characters.")))
                continue
            try:
                parse(source)
                unknown = sorted(references(source) - names)
            except (ExpressionError, RecursionError) as error:
                problems.append(Problem("survey", row, column, str(error)))
                continue
            if unknown:
                problems.append(
                    Problem(
                        "survey",
                        row,
                        column,
                        _("Refers to %(names)s, which the form does not have.")
                        % {"names": ", ".join(f"${{{name}}}" for name in unknown)},
                    )
                )
