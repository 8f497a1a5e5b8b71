import re

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from commonground.surveys.statistics.aapor import (
    DISPOSITIONS,
    MAIL,
    TELEPHONE,
    Group,
    Mode,
    UnknownDisposition,
    rates,
)

# One case of every group: complete, partial, refusal, break-off, non-contact, other,
# unknown household, unknown other, not eligible.
WORKED = {
    "1.1": 400,
    "1.2": 50,
    "2.11": 200,
    "2.12": 30,
    "2.21": 100,
    "2.31": 20,
    "3.13": 150,
    "3.21": 50,
    "4.31": 300,
}


def test_worked_example_of_every_rate():
    # I = 400, P = 50, R = 200 + 30 = 230, NC = 100, O = 20, UH = 150, UO = 50, NE = 300.
    r = rates(WORKED, mode=Mode.TELEPHONE)
    assert r.counts == {
        Group.COMPLETE: 400, Group.PARTIAL: 50, Group.REFUSAL: 230, Group.NON_CONTACT: 100,
        Group.OTHER: 20, Group.UNKNOWN_HOUSEHOLD: 150, Group.UNKNOWN_OTHER: 50,
        Group.NOT_ELIGIBLE: 300,
    }  # fmt: skip
    # RR1 = 400 / (450 + 350 + 200) = 0.4
    assert r.rr1 == pytest.approx(0.4)
    # e = (450 + 350) / (450 + 350 + 300) = 800 / 1100
    assert r.e_estimated and r.e == pytest.approx(800 / 1100)
    # RR3 = 400 / (450 + 350 + 800/1100 * 200) = 400 * 1100 / (800 * 1100 + 800 * 200)
    assert r.rr3 == pytest.approx(440_000 / 1_040_000)
    # COOP1 = 400 / (450 + 230 + 20) = 400 / 700
    assert r.coop1 == pytest.approx(4 / 7)
    # REF1 = 230 / 1000
    assert r.ref1 == pytest.approx(0.23)
    # CON1 = (450 + 230 + 20) / (450 + 230 + 20 + 100 + 200) = 700 / 1000
    assert r.con1 == pytest.approx(0.7)


def test_a_given_e_is_used_and_reported():
    r = rates(WORKED, e=0.5)
    # RR3 = 400 / (450 + 350 + 0.5 * 200) = 400 / 900
    assert not r.e_estimated and r.e == 0.5
    assert r.rr3 == pytest.approx(4 / 9)


def test_mail_codes_count_in_their_groups():
    # A blank questionnaire mailed back is an (implicit) refusal; returned undeliverable is
    # unknown eligibility (housing unit); vacant is not eligible.
    r = rates({"1.1": 30, "2.113": 10, "3.19": 50, "3.31": 5, "4.313": 5}, mode=Mode.MAIL)
    # RR1 = 30 / (30 + 10 + 55); e = 40 / 45; RR3 = 30 / (40 + 40/45 * 55)
    assert r.rr1 == pytest.approx(30 / 95)
    assert r.e == pytest.approx(40 / 45)
    assert r.rr3 == pytest.approx(30 / (40 + 40 / 45 * 55))


def test_a_rate_whose_denominator_is_zero_is_none():
    r = rates({"4.31": 12})
    assert (r.rr1, r.rr3, r.coop1, r.ref1, r.con1) == (None, None, None, None, None)
    assert r.e == 0
    nothing = rates({})
    assert nothing.e is None and nothing.rr1 is None


def test_unknown_code_or_bad_count_is_refused_with_the_code():
    with pytest.raises(UnknownDisposition, match=re.escape("'9.9'")):
        rates({"9.9": 1})
    with pytest.raises(UnknownDisposition, match=re.escape("'2.113'")):
        rates({"2.113": 1}, mode=Mode.TELEPHONE)  # a mail-only code
    with pytest.raises(ValueError, match=re.escape("1.1")):
        rates({"1.1": -1})
    with pytest.raises(ValueError, match="between 0 and 1"):
        rates(WORKED, e=1.5)


def test_tables_declare_each_code_once_and_shared_codes_agree_on_the_group():
    for table in (TELEPHONE, MAIL):
        codes = [d.code for d in table]
        assert len(codes) == len(set(codes))
        assert {"1.1", "1.2", "2.11", "3.90", "4.90"} <= set(codes)
    for code in DISPOSITIONS[Mode.TELEPHONE].keys() & DISPOSITIONS[Mode.MAIL].keys():
        assert DISPOSITIONS[Mode.TELEPHONE][code].group == DISPOSITIONS[Mode.MAIL][code].group
    # Each code counts in the group its leading digit says (1 interview, 2 eligible, 3 unknown,
    # 4 not eligible).
    leading = {"1": {"I", "P"}, "2": {"R", "NC", "O"}, "3": {"UH", "UO"}, "4": {"NE"}}
    for d in TELEPHONE + MAIL:
        assert d.group in leading[d.code[0]], d


def test_labels_are_translated_to_spanish():
    with translation.override("en"):
        english = [str(d.label) for d in TELEPHONE + MAIL]
    with translation.override("es"):
        spanish = [str(d.label) for d in TELEPHONE + MAIL]
        # In its own context: elsewhere "No answer" is "No contestó".
        assert str(DISPOSITIONS[Mode.TELEPHONE]["3.13"].label) == "Nadie contesta"
    assert english[0] == "Complete"
    assert [e for e, s in zip(english, spanish, strict=True) if e == s] == []


codes = st.sampled_from(sorted(DISPOSITIONS[Mode.TELEPHONE]))
counts = st.dictionaries(codes, st.integers(min_value=0, max_value=10_000), max_size=12)


@given(counts)
def test_every_rate_is_a_proportion_and_rr3_is_at_least_rr1(counts):
    r = rates(counts)
    for value in (r.rr1, r.rr3, r.coop1, r.ref1, r.con1, r.e):
        assert value is None or 0 <= value <= 1
    if r.rr1 is not None and r.rr3 is not None:
        assert r.rr3 >= r.rr1 - 1e-12


@given(counts, st.floats(min_value=0, max_value=1))
def test_rr3_with_any_e_is_at_least_rr1(counts, e):
    r = rates(counts, e=e)
    if r.rr1 is not None and r.rr3 is not None:
        assert r.rr3 >= r.rr1 - 1e-12


@given(counts)
def test_adding_a_complete_never_lowers_rr1(counts):
    before = rates(counts).rr1
    after = rates({**counts, "1.1": counts.get("1.1", 0) + 1}).rr1
    assert after is not None
    assert before is None or after >= before
