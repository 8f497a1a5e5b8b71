"""A staff reference is recognised however a person types it."""

from hypothesis import given
from hypothesis import strategies as st

from commonground.investigations.selectors import parse_reference

years = st.integers(2000, 2099)
numbers = st.integers(1, 10**9)


@given(
    years,
    numbers,
    st.sampled_from(
        [
            "CG-{y}-{n:06d}",
            "cg {y} {n}",
            " CG - {y} - {n:06d} ",
            "{y}-{n:06d}",
            "{y} {n}",
            "CG{y}{n:06d}",
            "{y}{n:06d}",
        ]
    ),
)
def test_a_reference_with_its_year_is_read_however_it_is_typed(year, number, shape):
    assert parse_reference(shape.format(y=year, n=number)) == (year, number)


@given(numbers, st.sampled_from(["{n}", "{n:06d}", "CG-{n:06d}", "cg {n}"]))
def test_a_bare_number_is_read_as_the_reference_number(number, shape):
    assert parse_reference(shape.format(n=number)) == (None, number)


@given(st.text(alphabet=st.characters(categories=["L"]), min_size=1))
def test_words_are_not_references(text):
    assert parse_reference(text) is None
