"""The public-use file of a published wave: one row per response, for researchers to re-analyse,
with nothing that can pick a respondent out.

What it holds: the wave (its label, no date finer than that), channel, how the respondent was
recruited, the district, every choice question (a multiple-choice question as one 0/1 column per
choice), every 0-10 scale, and the final weight. What it leaves out: every free-text answer, and
other numbers (an exact age or years at an address can identify a person); response ids (rows
are numbered 1, 2, 3... in an order that says nothing of when they came in).

Quasi-identifiers, things a neighbour could know about a respondent, are district, age band,
sex, race or ethnicity, housing tenure, language, and contact with police. Every combination of
their values must occur at least `threshold` times. They are coarsened one step at a time, in
`STEPS`' order, only as far as needed: adjacent age bands merge, then race and ethnicity fall into
broader groups, then age bands merge again, then the other variables are withheld one by one.
Rows whose combination is still rarer than the threshold after every step get all their
quasi-identifiers withheld (local suppression; the file says how many), with more rows from the
smallest groups if they would otherwise be too few to hide among.

The final weights come from raking on some of these same variables, so a weight can tell which
finer cell a row came from: each row's weight is replaced by the mean weight of the rows it
shares every published quasi-identifier with. Weighted totals within every such group (and so
overall) are unchanged.
"""

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.utils.translation import gettext_lazy as _

from commonground.surveys.categories import CATEGORIES, Variable
from commonground.surveys.models import (
    CHOICE_KINDS,
    Answer,
    Channel,
    QuestionKind,
    Recruitment,
    Response,
    Wave,
    in_language,
)

WITHHELD = "withheld"
ALL = "all"
QUASI_IDENTIFIERS = (
    "district",
    Variable.AGE_BAND,
    Variable.SEX,
    Variable.RACE_ETHNICITY,
    Variable.TENURE,
    "language",
    Variable.LANGUAGE,
    Variable.CONTACT_STOPPED,
    Variable.CONTACT_COMPLAINT,
    Variable.CONTACT_CALLED,
)
# Coarser versions of a variable's categories, level by level; the last level of every variable
# (district aside) is ALL, "not published".
AGE_3 = {
    "18-24": "18-34",
    "25-34": "18-34",
    "35-44": "35-54",
    "45-54": "35-54",
    "55-64": "55+",
    "65+": "55+",
}
AGE_2 = {"18-34": "18-54", "35-54": "18-54", "55+": "55+"}
RACE_BROAD = {
    "asian/pacific islander": "other",
    "black": "black",
    "hispanic": "hispanic",
    "white": "white",
    "other": "other",
}
COARSER_LABELS = {
    "18-34": _("18 to 34"),
    "35-54": _("35 to 54"),
    "18-54": _("18 to 54"),
    "55+": _("55 or older"),
    ALL: _("Not published (coarsened away)"),
    WITHHELD: _("Withheld (row suppressed)"),
}
# (variable, mapping to the next level, or None for "not published")
STEPS: tuple[tuple[str, dict | None], ...] = (
    (Variable.AGE_BAND, AGE_3),
    (Variable.RACE_ETHNICITY, RACE_BROAD),
    (Variable.AGE_BAND, AGE_2),
    (Variable.CONTACT_COMPLAINT, None),
    (Variable.CONTACT_CALLED, None),
    (Variable.CONTACT_STOPPED, None),
    (Variable.LANGUAGE, None),
    ("language", None),
    (Variable.TENURE, None),
    (Variable.SEX, None),
    (Variable.AGE_BAND, None),
    (Variable.RACE_ETHNICITY, None),
)


@dataclass
class Column:
    name: str
    label: str
    kind: str  # "category", "flag", "number", "weight", "row"
    # (value, label) in order; the file's .sav/.dta code each value by its place (1, 2, ...).
    values: list[tuple[str, str]] = field(default_factory=list)
    quasi_identifier: bool = False


@dataclass
class PublicUseFile:
    wave: Wave
    frame: pl.DataFrame
    columns: list[Column]
    threshold: int
    steps_taken: list[str]
    rows_suppressed: int
    cells_suppressed: int
    left_out: list[str]

    @property
    def quasi_identifiers(self) -> list[str]:
        return [c.name for c in self.columns if c.quasi_identifier]


def stata_name(name: str, taken: set[str]) -> str:
    """A variable name SPSS and Stata both accept: letters, digits and underscores, starting
    with a letter, at most 32 characters, unique."""
    clean = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not clean or not clean[0].isalpha():
        clean = f"q_{clean}"
    clean = clean[:32]
    candidate, n = clean, 2
    while candidate.lower() in taken:
        suffix = f"_{n}"
        candidate, n = clean[: 32 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def _category_labels(variable: str, question=None, language: str = "en") -> list[tuple[str, str]]:
    if question is not None and question.choice_list_id:
        return [
            (c.value, in_language(c.label, language)) for c in question.choice_list.choices.all()
        ]
    return [(v, str(label)) for v, label in CATEGORIES.get(variable, [])]


def build(wave: Wave, threshold: int) -> PublicUseFile:
    """The wave's public-use file, coarsened until every combination of quasi-identifiers
    occurs at least `threshold` times."""
    instrument = wave.instrument
    questions = list(
        instrument.questions.select_related("choice_list").prefetch_related("choice_list__choices")
    )
    language = instrument.default_language
    taken = {"respondent", "wave", "channel", "recruitment", "district", "language", "weight"}
    columns = [
        Column("respondent", str(_("Row number (in no particular order)")), "row"),
        Column("wave", str(_("Survey wave")), "category", [(wave.label, wave.label)]),
        Column(
            "channel",
            str(_("How the questionnaire was completed")),
            "category",
            [(v, str(label)) for v, label in Channel.choices],
        ),
        Column(
            "recruitment",
            str(_("How the respondent was recruited")),
            "category",
            [(v, str(label)) for v, label in Recruitment.choices],
        ),
        Column("district", str(_("District (its code)")), "category", [], quasi_identifier=True),
        Column(
            "language",
            str(_("Language of the questionnaire")),
            "category",
            [(code, code) for code in instrument.languages],
            quasi_identifier=True,
        ),
    ]
    left_out = []
    by_question: dict[int, tuple] = {}
    for question in questions:
        label = in_language(question.label, language)
        if question.kind == QuestionKind.NOTE:
            continue
        if question.kind in (QuestionKind.TEXT, QuestionKind.LONG_TEXT):
            left_out.append(f"{question.name}: {_('free text is never published')}")
            continue
        if question.kind in (QuestionKind.INTEGER, QuestionKind.DECIMAL):
            left_out.append(
                f"{question.name}: {_('exact numbers (an age, years at an address) can identify')}"
            )
            continue
        if question.kind == QuestionKind.MULTIPLE and question.variable not in QUASI_IDENTIFIERS:
            names = {}
            for choice in question.choice_list.choices.all():
                name = stata_name(f"{question.name}_{choice.value}", taken)
                names[choice.value] = name
                columns.append(
                    Column(
                        name,
                        f"{label}: {in_language(choice.label, language)}",
                        "flag",
                        [("0", str(_("Not chosen"))), ("1", str(_("Chosen")))],
                    )
                )
            by_question[question.pk] = ("flags", names)
            continue
        if question.variable in QUASI_IDENTIFIERS:
            name = stata_name(question.variable, taken)
            columns.append(
                Column(
                    name,
                    label,
                    "category",
                    _category_labels(question.variable, question, language),
                    quasi_identifier=True,
                )
            )
        elif question.kind in CHOICE_KINDS:
            name = stata_name(question.name, taken)
            columns.append(
                Column(name, label, "category", _category_labels("", question, language))
            )
        else:
            name = stata_name(question.name, taken)
            columns.append(Column(name, label, "number"))
        by_question[question.pk] = ("value", name)

    responses = list(
        Response.objects.filter(wave=wave)
        .select_related("district")
        .order_by("id")
        .values_list("id", "channel", "recruitment", "language", "district__code", "weight")
    )
    rows: dict[int, dict] = {}
    for rid, channel, recruitment, lang, district, weight in responses:
        rows[rid] = {
            "wave": wave.label,
            "channel": channel,
            "recruitment": recruitment,
            "district": district or "unknown",
            "language": lang,
            "weight": weight,
        }
        for kind, target in by_question.values():
            if kind == "flags":
                for name in target.values():
                    rows[rid][name] = 0
    answers = Answer.objects.filter(response__wave=wave, question__in=list(by_question))
    for rid, qid, choice, number in answers.values_list(
        "response_id", "question_id", "choice__value", "number"
    ).iterator(chunk_size=5000):
        kind, target = by_question[qid]
        if kind == "flags":
            if choice in target:
                rows[rid][target[choice]] = 1
        elif choice is not None:
            previous = rows[rid].get(target)
            rows[rid][target] = choice if previous is None else "+".join(sorted([previous, choice]))
        else:
            rows[rid][target] = number
    districts = sorted({r["district"] for r in rows.values()})
    columns[4].values = [(d, d) for d in districts]
    columns.append(
        Column("weight", str(_("Final weight (averaged within each published group)")), "weight")
    )

    schema = {}
    for column in columns:
        if column.name == "respondent":
            continue
        schema[column.name] = {
            "category": pl.String,
            "flag": pl.Int8,
            "number": pl.Float64,
            "weight": pl.Float64,
        }[column.kind]
    frame = pl.DataFrame(list(rows.values()), schema=schema, orient="row")
    qi = [c.name for c in columns if c.quasi_identifier]
    frame = frame.with_columns(pl.col(qi).fill_null("missing"))
    frame, steps, suppressed = _protect(frame, qi, threshold)
    for column in columns:
        if column.quasi_identifier:
            seen = set(frame[column.name].unique().to_list())
            known = {v for v, _l in column.values}
            column.values += [
                (v, str(COARSER_LABELS.get(v, v))) for v in sorted(seen - known) if v != "missing"
            ]
    frame = frame.with_columns(pl.col(qi).replace("missing", None))
    if frame.height:
        frame = frame.with_columns(
            pl.col("weight").mean().over([pl.col(c).fill_null("") for c in qi]).alias("weight")
        )
    frame = frame.sample(fraction=1.0, shuffle=True, seed=wave.pk) if frame.height else frame
    frame = frame.with_row_index("respondent", offset=1).with_columns(
        pl.col("respondent").cast(pl.Int64)
    )
    return PublicUseFile(
        wave=wave,
        frame=frame,
        columns=columns,
        threshold=threshold,
        steps_taken=steps,
        rows_suppressed=suppressed,
        cells_suppressed=suppressed * len(qi),
        left_out=left_out,
    )


def _small(frame: pl.DataFrame, qi: list[str], threshold: int) -> pl.Series:
    return frame.select(pl.len().over(qi) < threshold).to_series()


def _protect(frame: pl.DataFrame, qi: list[str], threshold: int):
    steps = []
    for variable, mapping in STEPS:
        if not frame.height or not _small(frame, qi, threshold).any():
            break
        if variable not in qi:
            continue
        column = pl.col(variable)
        if mapping is None:
            frame = frame.with_columns(
                pl.when(column == "missing").then(column).otherwise(pl.lit(ALL)).alias(variable)
            )
        else:
            frame = frame.with_columns(column.replace(mapping).alias(variable))
        steps.append(f"{variable}: {'withheld' if mapping is None else 'coarsened'}")
    small = _small(frame, qi, threshold) if frame.height else pl.Series([], dtype=pl.Boolean)
    suppress = small.to_list()
    if 0 < sum(suppress) < threshold:
        # Too few to hide among each other: take whole smallest groups of the rest with them.
        sizes = frame.select(pl.len().over(qi).alias("size")).to_series().to_list()
        order = sorted((i for i, s in enumerate(suppress) if not s), key=lambda i: (sizes[i], i))
        for i in order:
            if sum(suppress) >= threshold:
                break
            suppress[i] = True
    if any(suppress):
        mask = pl.Series(suppress)
        frame = frame.with_columns(
            [pl.when(mask).then(pl.lit(WITHHELD)).otherwise(pl.col(c)).alias(c) for c in qi]
        )
    return frame, steps, sum(suppress)


# --- Files --------------------------------------------------------------------------------------


def csv_bytes(file: PublicUseFile) -> bytes:
    return file.frame.write_csv().encode()


def codebook_csv(file: PublicUseFile) -> bytes:
    rows = []
    for column in file.columns:
        if column.values:
            for code, (value, label) in enumerate(column.values, start=1):
                rows.append((column.name, column.label, column.kind, value, code, label))
        else:
            rows.append((column.name, column.label, column.kind, None, None, None))
    frame = pl.DataFrame(
        rows,
        schema={
            "variable": pl.String,
            "label": pl.String,
            "kind": pl.String,
            "value": pl.String,
            "code": pl.Int64,
            "value_label": pl.String,
        },
        orient="row",
    )
    return frame.write_csv().encode()


def _coded(file: PublicUseFile):
    """The frame with every category as its code (1, 2, ... by the codebook; -1 withheld), the
    value labels and the column labels, as SPSS and Stata want them."""
    frame = file.frame
    labels, value_labels = {}, {}
    for column in file.columns:
        labels[column.name] = column.label[:80]
        if column.kind == "category":
            codes = {value: code for code, (value, _l) in enumerate(column.values, start=1)}
            frame = frame.with_columns(
                pl.col(column.name).replace_strict(codes, default=None, return_dtype=pl.Int32)
            )
            value_labels[column.name] = {
                code: f"{value}: {label}"[:80] if value != label else label[:80]
                for code, (value, label) in enumerate(column.values, start=1)
            }
        elif column.kind == "flag":
            value_labels[column.name] = {0: column.values[0][1], 1: column.values[1][1]}
    return frame, labels, value_labels


def stats_file(file: PublicUseFile, fmt: str) -> bytes:
    """The file as SPSS (.sav) or Stata (.dta), with variable and value labels."""
    import pyreadstat

    frame, labels, value_labels = _coded(file)
    data = frame
    with tempfile.TemporaryDirectory(prefix="public-use-") as work:
        path = Path(work) / f"wave.{fmt}"
        names = list(data.columns)
        column_labels = [labels.get(n, n) for n in names]
        if fmt == "sav":
            pyreadstat.write_sav(
                data, path, column_labels=column_labels, variable_value_labels=value_labels
            )
        elif fmt == "dta":
            pyreadstat.write_dta(
                data,
                path,
                column_labels=column_labels,
                variable_value_labels=value_labels,
                version=15,
            )
        else:
            raise ValueError(f"unknown format {fmt!r}")
        return path.read_bytes()
