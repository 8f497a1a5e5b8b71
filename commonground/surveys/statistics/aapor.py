"""Final disposition codes and outcome rates of the AAPOR Standard Definitions (Final
Dispositions of Case Codes and Outcome Rates for Surveys): the codes for telephone surveys
(random-digit dial and list samples) and for address-based mail and web invitations, each with
the group it counts in for the rates, and the rates themselves.

Groups: I complete interview, P partial interview, R refusal and break-off, NC non-contact,
O other eligible non-interview, UH unknown if household (or occupied housing unit), UO unknown
eligibility, other, NE not eligible.

    RR1   = I / ((I + P) + (R + NC + O) + (UH + UO))
    RR3   = I / ((I + P) + (R + NC + O) + e (UH + UO))
    COOP1 = I / ((I + P) + R + O)
    REF1  = R / ((I + P) + (R + NC + O) + (UH + UO))
    CON1  = ((I + P) + R + O) / ((I + P) + R + O + NC + (UH + UO))

e is the share of the cases of unknown eligibility that are estimated to be eligible; unless the
caller gives one (with its basis), it is the share eligible among the cases whose eligibility
is known, (I + P + R + NC + O) / (I + P + R + NC + O + NE), the proportional allocation the
Standard Definitions name as the basic method. A rate whose denominator is 0 is None.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import pgettext_lazy


class Group(StrEnum):
    COMPLETE = "I"
    PARTIAL = "P"
    REFUSAL = "R"
    NON_CONTACT = "NC"
    OTHER = "O"
    UNKNOWN_HOUSEHOLD = "UH"
    UNKNOWN_OTHER = "UO"
    NOT_ELIGIBLE = "NE"


class Mode(StrEnum):
    TELEPHONE = "telephone"
    MAIL = "mail"  # address-based invitations answered by mail or on the web


@dataclass(frozen=True)
class Disposition:
    code: str
    label: str
    group: Group


I, P, R, NC, O, UH, UO, NE = Group  # noqa: E741 (the Standard Definitions' own letters)


# Labels have a context of their own: "No answer" or "Complete" mean other things elsewhere.
# Codes shared by both modes.
_INTERVIEWS = [
    ("1.1", pgettext_lazy("AAPOR disposition", "Complete"), I),
    ("1.2", pgettext_lazy("AAPOR disposition", "Partial"), P),
]

TELEPHONE = [
    Disposition(code, label, group)
    for code, label, group in [
        *_INTERVIEWS,
        ("2.11", pgettext_lazy("AAPOR disposition", "Refusal"), R),
        ("2.111", pgettext_lazy("AAPOR disposition", "Household-level refusal"), R),
        ("2.112", pgettext_lazy("AAPOR disposition", "Known respondent refusal"), R),
        ("2.12", pgettext_lazy("AAPOR disposition", "Break-off"), R),
        ("2.21", pgettext_lazy("AAPOR disposition", "Respondent never available"), NC),
        ("2.22", pgettext_lazy("AAPOR disposition", "Answering machine at a known household"), NC),
        (
            "2.221",
            pgettext_lazy(
                "AAPOR disposition", "Answering machine at a known household, message left"
            ),
            NC,
        ),
        (
            "2.222",
            pgettext_lazy(
                "AAPOR disposition", "Answering machine at a known household, no message left"
            ),
            NC,
        ),
        ("2.31", pgettext_lazy("AAPOR disposition", "Death"), O),
        ("2.32", pgettext_lazy("AAPOR disposition", "Physically or mentally unable"), O),
        ("2.33", pgettext_lazy("AAPOR disposition", "Language barrier"), O),
        ("2.331", pgettext_lazy("AAPOR disposition", "Language barrier at the household"), O),
        ("2.332", pgettext_lazy("AAPOR disposition", "Language barrier with the respondent"), O),
        (
            "2.333",
            pgettext_lazy("AAPOR disposition", "No interviewer available for the language needed"),
            O,
        ),
        ("2.34", pgettext_lazy("AAPOR disposition", "Inaudible response"), O),
        (
            "2.35",
            pgettext_lazy("AAPOR disposition", "Location or activity does not allow an interview"),
            O,
        ),
        ("2.36", pgettext_lazy("AAPOR disposition", "Other eligible non-interview"), O),
        ("3.11", pgettext_lazy("AAPOR disposition", "Not attempted or worked"), UH),
        ("3.12", pgettext_lazy("AAPOR disposition", "Always busy"), UH),
        ("3.13", pgettext_lazy("AAPOR disposition", "No answer"), UH),
        (
            "3.14",
            pgettext_lazy("AAPOR disposition", "Answering machine, not known to be a household"),
            UH,
        ),
        (
            "3.15",
            pgettext_lazy("AAPOR disposition", "Call blocking or other technological barrier"),
            UH,
        ),
        ("3.16", pgettext_lazy("AAPOR disposition", "Technical phone problems"), UH),
        ("3.161", pgettext_lazy("AAPOR disposition", "Ambiguous operator's message"), UH),
        ("3.17", pgettext_lazy("AAPOR disposition", "Housing unit not known"), UH),
        ("3.21", pgettext_lazy("AAPOR disposition", "Household, no screener completed"), UO),
        ("3.90", pgettext_lazy("AAPOR disposition", "Other unknown eligibility"), UO),
        ("4.10", pgettext_lazy("AAPOR disposition", "Out of sample"), NE),
        ("4.20", pgettext_lazy("AAPOR disposition", "Fax or data line"), NE),
        ("4.31", pgettext_lazy("AAPOR disposition", "Non-working number"), NE),
        ("4.32", pgettext_lazy("AAPOR disposition", "Disconnected number"), NE),
        ("4.33", pgettext_lazy("AAPOR disposition", "Number temporarily out of service"), NE),
        ("4.41", pgettext_lazy("AAPOR disposition", "Number changed"), NE),
        ("4.42", pgettext_lazy("AAPOR disposition", "Cell phone (when out of scope)"), NE),
        ("4.43", pgettext_lazy("AAPOR disposition", "Landline (when out of scope)"), NE),
        (
            "4.51",
            pgettext_lazy("AAPOR disposition", "Business, government office or other organization"),
            NE,
        ),
        ("4.52", pgettext_lazy("AAPOR disposition", "Institution"), NE),
        ("4.53", pgettext_lazy("AAPOR disposition", "Group quarters"), NE),
        ("4.54", pgettext_lazy("AAPOR disposition", "Person not a household resident"), NE),
        ("4.70", pgettext_lazy("AAPOR disposition", "No eligible respondent"), NE),
        ("4.80", pgettext_lazy("AAPOR disposition", "Quota filled"), NE),
        ("4.90", pgettext_lazy("AAPOR disposition", "Other not eligible"), NE),
    ]
]

MAIL = [
    Disposition(code, label, group)
    for code, label, group in [
        *_INTERVIEWS,
        ("2.11", pgettext_lazy("AAPOR disposition", "Refusal"), R),
        ("2.111", pgettext_lazy("AAPOR disposition", "Household-level refusal"), R),
        ("2.112", pgettext_lazy("AAPOR disposition", "Known respondent refusal"), R),
        (
            "2.113",
            pgettext_lazy("AAPOR disposition", "Blank questionnaire returned (implicit refusal)"),
            R,
        ),
        (
            "2.12",
            pgettext_lazy("AAPOR disposition", "Break-off: questionnaire too incomplete to use"),
            R,
        ),
        (
            "2.24",
            pgettext_lazy("AAPOR disposition", "Respondent away for the whole field period"),
            NC,
        ),
        (
            "2.25",
            pgettext_lazy(
                "AAPOR disposition", "Completed questionnaire returned after the field period"
            ),
            NC,
        ),
        ("2.31", pgettext_lazy("AAPOR disposition", "Death"), O),
        ("2.32", pgettext_lazy("AAPOR disposition", "Physically or mentally unable"), O),
        ("2.33", pgettext_lazy("AAPOR disposition", "Language barrier"), O),
        ("2.35", pgettext_lazy("AAPOR disposition", "Literacy problems"), O),
        ("2.36", pgettext_lazy("AAPOR disposition", "Other eligible non-interview"), O),
        ("3.11", pgettext_lazy("AAPOR disposition", "Invitation not mailed"), UH),
        ("3.19", pgettext_lazy("AAPOR disposition", "Nothing ever returned"), UH),
        ("3.21", pgettext_lazy("AAPOR disposition", "Household, no screener completed"), UO),
        ("3.23", pgettext_lazy("AAPOR disposition", "Refused by addressee"), UO),
        ("3.31", pgettext_lazy("AAPOR disposition", "Returned undeliverable as addressed"), UH),
        ("3.311", pgettext_lazy("AAPOR disposition", "Returned: addressee not known"), UH),
        ("3.312", pgettext_lazy("AAPOR disposition", "Returned: no such street"), UH),
        ("3.313", pgettext_lazy("AAPOR disposition", "Returned: no such number"), UH),
        ("3.314", pgettext_lazy("AAPOR disposition", "Returned: insufficient address"), UH),
        ("3.32", pgettext_lazy("AAPOR disposition", "Returned: no mail receptacle"), UH),
        ("3.40", pgettext_lazy("AAPOR disposition", "Returned with forwarding information"), UO),
        ("3.90", pgettext_lazy("AAPOR disposition", "Other unknown eligibility"), UO),
        ("4.10", pgettext_lazy("AAPOR disposition", "Out of sample"), NE),
        ("4.31", pgettext_lazy("AAPOR disposition", "Address not a housing unit"), NE),
        ("4.313", pgettext_lazy("AAPOR disposition", "Vacant housing unit"), NE),
        (
            "4.51",
            pgettext_lazy("AAPOR disposition", "Business, government office or other organization"),
            NE,
        ),
        ("4.52", pgettext_lazy("AAPOR disposition", "Institution"), NE),
        ("4.53", pgettext_lazy("AAPOR disposition", "Group quarters"), NE),
        ("4.70", pgettext_lazy("AAPOR disposition", "No eligible respondent"), NE),
        ("4.80", pgettext_lazy("AAPOR disposition", "Quota filled"), NE),
        ("4.90", pgettext_lazy("AAPOR disposition", "Other not eligible"), NE),
    ]
]

DISPOSITIONS = {
    Mode.TELEPHONE: {d.code: d for d in TELEPHONE},
    Mode.MAIL: {d.code: d for d in MAIL},
}


class UnknownDisposition(ValueError):
    """A disposition code that is not in the mode's table."""


@dataclass(frozen=True)
class Rates:
    counts: dict[Group, int]
    e: float | None
    e_estimated: bool
    rr1: float | None
    rr3: float | None
    coop1: float | None
    ref1: float | None
    con1: float | None


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def group_counts(counts: Mapping[str, int], mode: Mode | None = None) -> dict[Group, int]:
    """Counts by code summed into the eight groups. With a mode, only its codes are accepted;
    without one, a code of either table (their groups agree wherever they share a code)."""
    tables = [DISPOSITIONS[mode]] if mode else list(DISPOSITIONS.values())
    totals = dict.fromkeys(Group, 0)
    for code, count in counts.items():
        found = next((t[code] for t in tables if code in t), None)
        if found is None:
            raise UnknownDisposition(f"{code!r} is not a final disposition code of AAPOR's table.")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ValueError(f"The count for {code} must be a whole number of at least 0.")
        totals[found.group] += count
    return totals


def rates(counts: Mapping[str, int], e: float | None = None, mode: Mode | None = None) -> Rates:
    """RR1, RR3, COOP1, REF1 and CON1 from counts of cases by final disposition code."""
    if e is not None and not 0 <= e <= 1:
        raise ValueError(f"e is a proportion between 0 and 1, not {e}.")
    g = group_counts(counts, mode)
    interviews = g[I] + g[P]
    eligible_non = g[R] + g[NC] + g[O]
    unknown = g[UH] + g[UO]
    estimated = e is None
    if estimated:
        known_eligible = interviews + eligible_non
        e = _ratio(known_eligible, known_eligible + g[NE])
    return Rates(
        counts=g,
        e=e,
        e_estimated=estimated,
        rr1=_ratio(g[I], interviews + eligible_non + unknown),
        # With no case of known eligibility there is no e to estimate, and no RR3.
        rr3=_ratio(g[I], interviews + eligible_non + e * unknown) if e is not None else None,
        coop1=_ratio(g[I], interviews + g[R] + g[O]),
        ref1=_ratio(g[R], interviews + eligible_non + unknown),
        con1=_ratio(interviews + g[R] + g[O], interviews + g[R] + g[O] + g[NC] + unknown),
    )
