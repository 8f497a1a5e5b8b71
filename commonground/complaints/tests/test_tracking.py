import math

import pytest
from django.core import signing
from hypothesis import given
from hypothesis import strategies as st

from commonground.complaints import tracking


def test_code_has_at_least_80_bits_in_four_groups_without_lookalikes():
    code = tracking.code_for_token(tracking.new_submission_token())
    groups = code.split("-")
    assert [len(g) for g in groups] == [4, 4, 4, 4]
    symbols = "".join(groups)
    assert not set(symbols) & set("ILOU")
    assert tracking.CODE_LENGTH * math.log2(len(tracking.ALPHABET)) >= 80


def test_same_token_gives_same_code_and_different_tokens_differ():
    token = tracking.new_submission_token()
    assert tracking.code_for_token(token) == tracking.code_for_token(token)
    codes = {tracking.code_for_token(tracking.new_submission_token()) for _ in range(200)}
    assert len(codes) == 200


def test_a_bound_token_gives_its_code_only_with_its_own_binding():
    token = tracking.new_submission_token(bound_to="session-a")
    code = tracking.code_for_token(token, bound_to="session-a")
    for other in ("session-b", "", "Session-A", "session-a "):
        with pytest.raises(tracking.WrongSession):
            tracking.code_for_token(token, bound_to=other)
    with pytest.raises(tracking.WrongSession):  # nor is an unbound token taken for a bound one
        tracking.code_for_token(tracking.new_submission_token(), bound_to="session-a")
    assert code == tracking.code_for_token(token, bound_to="session-a")


def test_forged_token_is_refused():
    with pytest.raises(signing.BadSignature):
        tracking.code_for_token("not-a-token")


def test_input_is_forgiving_about_case_spaces_and_lookalikes():
    code = "7K3M-Q9XW-T2RB-84HN"
    assert tracking.normalise(" 7k3m q9xw-t2rb 84hn ") == "7K3MQ9XWT2RB84HN"
    assert tracking.hash_code("7K3M-Q9XW-T2RB-84HN") == tracking.hash_code(code.lower())
    assert tracking.normalise("OOOO-IIII-LLLL-0000") == "0000111111110000"


@pytest.mark.parametrize(
    "bad", ["", "ABC", "7K3M-Q9XW-T2RB-84H", "7K3M-Q9XW-T2RB-84HN-X", "7K3M-Q9XW-T2RB-84H!"]
)
def test_malformed_codes_are_rejected(bad):
    with pytest.raises(tracking.MalformedCode):
        tracking.normalise(bad)


@given(st.text(max_size=40))
def test_normalise_never_crashes_on_any_input(text):
    try:
        result = tracking.normalise(text)
    except tracking.MalformedCode:
        return
    assert len(result) == tracking.CODE_LENGTH


def test_hash_is_keyed_by_the_server_secret(settings):
    first = tracking.hash_code("7K3M-Q9XW-T2RB-84HN")
    settings.TRACKING_CODE_SECRET = "another-secret"
    assert tracking.hash_code("7K3M-Q9XW-T2RB-84HN") != first
