"""Telephone interviewing: reading a phone sample's CSV, the AAPOR dispositions an interviewer
gives a call (grouped in plain words), and which of them finish a case.

A phone sample file has one row per number and three columns, in any order, named in the first
row: `phone`, `district` (a district's code) and `language` (a language the agency offers; empty
means the instrument's default). Numbers are read as the agency's country writes them
(SURVEYS_PHONE_REGION, default "US") or in international form (+...), checked with Google's
libphonenumber and kept in E.164 form ("+13125550100"), encrypted.

A case is worked until it gets a final disposition: a complete interview, a refusal, a
break-off, a partial interview, an eligible person who cannot be interviewed, or a number that
is not eligible. Non-contacts (no answer, busy, answering machine, not reached) are called again
until the wave's `max_call_attempts` calls have been made; the last call's disposition is then
the case's final one. A callback booked for a time keeps the case for that time (its code is
2.21, respondent not available, which is final if the attempts run out)."""

import csv
import io
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commonground.surveys.statistics.aapor import DISPOSITIONS, Mode

# A number may be held by one interviewer for this long without a call being recorded; then the
# queue may give it to someone else (an abandoned screen must not lock a case for good).
HOLD_MINUTES = 30
# A number not reached is not called again sooner than this (unless a callback was booked).
RETRY_AFTER_MINUTES = 60
MAX_ROWS = 50_000
MAX_BYTES = 5 * 1024 * 1024
COLUMNS = ("phone", "district", "language")
COMPLETE = "1.1"
CALLBACK = "callback"
# The code a booked callback is recorded with: the respondent is not available now.
CALLBACK_CODE = "2.21"

TELEPHONE = DISPOSITIONS[Mode.TELEPHONE]


@dataclass(frozen=True)
class DispositionGroup:
    key: str
    label: str
    codes: tuple[str, ...]
    # Whether a call given one of these codes finishes the case at once.
    final: bool


# The plain-word groups interviewers choose from, each with its AAPOR codes. "Complete" is
# recorded by finishing the interview, never chosen by hand.
GROUPS = [
    DispositionGroup("partial", gettext_lazy("Partial interview"), ("1.2",), True),
    DispositionGroup("refusal", gettext_lazy("Refusal"), ("2.11", "2.111", "2.112"), True),
    DispositionGroup(
        "break_off", gettext_lazy("Break-off (hung up during the interview)"), ("2.12",), True
    ),
    DispositionGroup(
        "non_contact", gettext_lazy("Non-contact (the person is not reachable)"), ("2.21",), False
    ),
    DispositionGroup("no_answer", gettext_lazy("No answer"), ("3.13",), False),
    DispositionGroup("busy", gettext_lazy("Busy"), ("3.12",), False),
    DispositionGroup(
        "answering_machine",
        gettext_lazy("Answering machine"),
        ("2.22", "2.221", "2.222", "3.14"),
        False,
    ),
    DispositionGroup(
        "technical",
        gettext_lazy("Line or technical problem"),
        ("3.15", "3.16", "3.161", "3.17", "3.21", "3.90"),
        False,
    ),
    DispositionGroup(
        "cannot_take_part",
        gettext_lazy("Eligible, but cannot be interviewed"),
        ("2.31", "2.32", "2.33", "2.331", "2.332", "2.333", "2.34", "2.35", "2.36"),
        True,
    ),
    DispositionGroup(
        "not_eligible",
        gettext_lazy("Not eligible (not a household, not working, out of the area)"),
        (
            "4.10",
            "4.20",
            "4.31",
            "4.32",
            "4.33",
            "4.41",
            "4.42",
            "4.43",
            "4.51",
            "4.52",
            "4.53",
            "4.54",
            "4.70",
            "4.80",
            "4.90",
        ),
        True,
    ),
]
FINAL_CODES = frozenset({COMPLETE, *(c for g in GROUPS if g.final for c in g.codes)})
CHOOSABLE_CODES = frozenset(c for g in GROUPS for c in g.codes)


def disposition_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The codes an interviewer may give a call, grouped in plain words, with the callback
    first: (group label, [(code, "code label")])."""
    grouped = [
        (
            str(_("Callback")),
            [(CALLBACK, str(_("Asked to be called back at a set time")))],
        )
    ]
    for group in GROUPS:
        grouped.append(
            (
                str(group.label),
                [(code, f"{TELEPHONE[code].label} ({code})") for code in group.codes],
            )
        )
    return grouped


def is_final(code: str) -> bool:
    return code in FINAL_CODES


class SampleFileError(ValueError):
    """A phone sample file that cannot be read at all; the message says why."""


@dataclass
class SampleRow:
    line: int
    phone: str
    district_code: str
    language: str


def region() -> str:
    return getattr(settings, "SURVEYS_PHONE_REGION", "US")


def normalise_phone(typed: str) -> str:
    """The number in E.164 form; ValueError with a message for the staff member when it is
    not a possible, valid number."""
    text = (typed or "").strip()
    if not text:
        raise ValueError(_("The phone number is empty."))
    try:
        number = phonenumbers.parse(text, region())
    except phonenumbers.NumberParseException:
        raise ValueError(_("'%(typed)s' is not a phone number.") % {"typed": text[:40]}) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(
            _(
                "'%(typed)s' is not a valid phone number (check the number of digits and the area code)."
            )
            % {"typed": text[:40]}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """The number as the interviewer dials it: national form for the agency's country,
    international otherwise."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == region():
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def read_rows(content: bytes) -> list[SampleRow]:
    """The rows of a phone sample file (UTF-8, with or without a byte-order mark, comma or
    semicolon separated), not yet checked; SampleFileError when it is not such a file."""
    if len(content) > MAX_BYTES:
        raise SampleFileError(_("The file is larger than 5 MB. Split it into smaller files."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SampleFileError(_("The file is not a CSV file saved as UTF-8 text.")) from None
    if not text.strip():
        raise SampleFileError(_("The file is empty."))
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in ("phone", "district") if c not in header]
    if missing:
        raise SampleFileError(
            _(
                "The first row must name the columns phone, district and language; missing: %(missing)s."
            )
            % {"missing": ", ".join(missing)}
        )
    at = {name: header.index(name) for name in COLUMNS if name in header}
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise SampleFileError(
                _("The file has more than %(max)s numbers. Split it into smaller files.")
                % {"max": MAX_ROWS}
            )

        def cell(name, cells=cells):
            index = at.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        rows.append(SampleRow(line, cell("phone"), cell("district"), cell("language").lower()))
    if not rows:
        raise SampleFileError(_("The file has no numbers under its first row."))
    return rows
