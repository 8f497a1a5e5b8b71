import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonground.surveys.expressions import ExpressionError, evaluate, parse, references


@pytest.mark.parametrize(
    ("expression", "answers", "current", "holds"),
    [
        ("${age} >= 18", {"age": 30}, None, True),
        ("${age} >= 18", {"age": 17}, None, False),
        # Unanswered is the empty string: a numeric comparison with it is false.
        ("${age} >= 18", {}, None, False),
        ("${age} < 18", {}, None, False),
        ("${stopped} = 'yes'", {"stopped": "yes"}, None, True),
        ("${stopped} != 'yes'", {"stopped": "no"}, None, True),
        ("${stopped} != 'yes'", {}, None, True),
        ("selected(${problems}, 'noise')", {"problems": ["litter", "noise"]}, None, True),
        ("selected(${problems}, 'noise')", {"problems": ["litter"]}, None, False),
        ("count-selected(${problems}) <= 3", {"problems": ["a", "b", "c"]}, None, True),
        ("count-selected(${problems}) <= 3", {"problems": list("abcd")}, None, False),
        (". >= 0 and . <= 120", {}, 44, True),
        (". >= 0 and . <= 120", {}, 121, False),
        ("not(. = 'x') or ${a} = 1", {"a": 1.0}, "x", True),
        ("string-length(.) <= 5", {}, "hello", True),
        ("regex(., '^[0-9]{5}$')", {}, "12345", True),
        ("regex(., '^[0-9]{5}$')", {}, "1234a", False),
        ("${a} + ${b} * 2 = 7", {"a": 1, "b": 3}, None, True),
        ("(${a} + ${b}) * 2 = 8", {"a": 1, "b": 3}, None, True),
        ("10 div 4 = 2.5 and 10 mod 4 = 2", {}, None, True),
        ("-${a} < 0", {"a": 2}, None, True),
        ("if(${a} > 1, 'big', 'small') = 'big'", {"a": 2}, None, True),
        ('${lang} = "es"', {"lang": "es"}, None, True),
        ("true() and not(false())", {}, None, True),
        ("", {}, None, True),
    ],
)
def test_expressions_follow_xpath(expression, answers, current, holds):
    assert evaluate(expression, answers, current) is holds


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("${age} >=", "ends too soon"),
        ("${age} > 18)", "Unexpected “)”"),
        ("sum(${a})", "“sum()” is not a function"),
        ("selected(${a})", "takes 2 argument(s), not 1"),
        ("${a b} = 1", "is not a question name"),
        ("${a} = 'x", "Cannot read"),
        ("regex(., '[')", "pattern of regex() is not valid"),
        ("   ", "empty"),
    ],
)
def test_a_broken_expression_says_what_and_where(expression, message):
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(expression)


def test_references_lists_every_question_named():
    assert references("selected(${a}, 'x') and (${b} > 1 or not(${c} = ''))") == {"a", "b", "c"}


@given(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False, allow_infinity=False),
)
def test_numeric_comparisons_agree_with_python(a, b):
    answers = {"a": a, "b": b}
    assert evaluate("${a} < ${b}", answers) is (a < b)
    assert evaluate("${a} >= ${b}", answers) is (a >= b)
    assert evaluate("${a} = ${b}", answers) is (a == b)


@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), unique=True), st.sampled_from("abcd"))
def test_selected_is_membership(chosen, value):
    assert evaluate(f"selected(${{q}}, '{value}')", {"q": chosen}) is (value in chosen)
    assert evaluate(f"count-selected(${{q}}) = {len(chosen)}", {"q": chosen})


@given(st.text(max_size=40))
def test_any_text_either_parses_or_says_why(text):
    try:
        parse(text)
    except ExpressionError as error:
        assert str(error)


def test_division_by_zero_is_not_a_crash():
    assert evaluate("1 div 0 > 1000", {})
    assert not evaluate("0 div 0 = 0", {})
    assert not evaluate("5 mod 0 = 5 mod 0", {})  # NaN equals nothing, itself included
