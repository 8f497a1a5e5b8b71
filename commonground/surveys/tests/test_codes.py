import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonground.surveys.codes import ALPHABET, MalformedCode, code_hash, new_code, normalise


def test_a_code_is_three_groups_of_four_without_look_alikes():
    code = new_code()
    assert len(code) == 14 and code.count("-") == 2
    assert not set(code) & set("ILOU")


@given(st.randoms(use_true_random=False))
def test_any_code_typed_sloppily_finds_the_same_hash(random):
    code = "-".join("".join(random.choice(ALPHABET) for _ in range(4)) for _ in range(3))
    sloppy = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert normalise(sloppy) == code
    assert code_hash(sloppy) == code_hash(code)


@pytest.mark.parametrize(
    "typed", ["", "1234", "7KQ2-M9XD-4HRTX", "7KQ2-M9XD-4HR!", "UUUU-UUUU-UUUU"]
)
def test_something_that_cannot_be_a_code_is_refused(typed):
    with pytest.raises(MalformedCode):
        normalise(typed)
