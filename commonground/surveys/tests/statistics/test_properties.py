"""Properties raking and the estimates must have whatever the data: margins met, closed forms
where there is one, and answers that do not depend on the order of the rows or the scale of
the weights."""

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from commonground.surveys.statistics.estimates import mean, proportion
from commonground.surveys.statistics.weighting import Margin, Trimming, rake

CATEGORIES = {
    "district": ["D1", "D2", "D3"],
    "age": ["18-34", "35-64", "65+"],
    "tenure": ["own", "rent"],
}


@st.composite
def samples(draw, extra=60):
    """Respondents in every cell of the cross-classification (so the margins can be met: raking
    converges only when some positive weights meet them all) plus more at random, with design
    weights and population margins."""
    import itertools

    cells = list(itertools.product(*CATEGORIES.values()))
    rows = cells + draw(st.lists(st.sampled_from(cells), max_size=extra))
    rows = draw(st.permutations(rows))
    n = len(rows)
    columns = {variable: [row[i] for row in rows] for i, variable in enumerate(CATEGORIES)}
    design = np.array(
        draw(st.lists(st.floats(0.5, 20.0), min_size=n, max_size=n)), dtype=np.float64
    )
    total = draw(st.floats(1_000.0, 1_000_000.0))
    margins = []
    for variable, categories in CATEGORIES.items():
        shares = np.array(
            draw(st.lists(st.floats(0.05, 1.0), min_size=len(categories), max_size=len(categories)))
        )
        shares = shares / shares.sum()
        margins.append(Margin(variable, dict(zip(categories, shares * total, strict=True))))
    return pl.DataFrame(columns), design, margins


def _weighted(frame: pl.DataFrame, weights: np.ndarray, variable: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    for value, weight in zip(frame[variable].to_list(), weights, strict=True):
        totals[value] = totals.get(value, 0.0) + weight
    return totals


@settings(max_examples=60, deadline=None)
@given(samples())
def test_raked_weights_meet_every_margin_and_stay_positive(sample):
    frame, design, margins = sample
    result = rake(frame, margins, design)
    assert result.convergence.converged
    assert np.all(result.weights > 0)
    for margin in margins:
        got = _weighted(frame, result.weights, margin.variable)
        for category, population in margin.population.items():
            assert abs(got[category] - population) <= 1e-6 * population


@settings(max_examples=60, deadline=None)
@given(samples())
def test_one_margin_is_post_stratification_in_closed_form(sample):
    frame, design, margins = sample
    (margin,) = margins[:1]
    result = rake(frame, [margin], design)
    categories = np.array(frame[margin.variable].to_list())
    for category, population in margin.population.items():
        inside = categories == category
        expected = design[inside] * population / design[inside].sum()
        np.testing.assert_allclose(result.weights[inside], expected, rtol=1e-9)


@settings(max_examples=40, deadline=None)
@given(samples(), st.floats(0.01, 100.0), st.randoms(use_true_random=False))
def test_raking_ignores_the_scale_of_the_design_weights_and_the_order_of_the_rows(
    sample, scale, random
):
    frame, design, margins = sample
    base = rake(frame, margins, design).weights
    np.testing.assert_allclose(rake(frame, margins, design * scale).weights, base, rtol=1e-7)
    order = list(range(frame.height))
    random.shuffle(order)
    shuffled = rake(frame[order], margins, design[order]).weights
    np.testing.assert_allclose(shuffled, base[order], rtol=1e-7)


@settings(max_examples=40, deadline=None)
@given(samples(), st.floats(0.2, 0.8), st.floats(1.5, 4.0))
def test_trimmed_weights_keep_within_their_bounds_when_the_report_says_so(sample, lower, upper):
    frame, design, margins = sample
    result = rake(frame, margins, design, trimming=Trimming(lower=lower, upper=upper))
    if result.convergence.bounds_hold:
        relative = result.weights / result.weights.mean()
        assert relative.min() >= lower * (1 - 1e-3)
        assert relative.max() <= upper * (1 + 1e-3)
    assert abs(result.weights.sum() - sum(margins[0].population.values())) <= 1e-6 * sum(
        margins[0].population.values()
    )


@st.composite
def answers(draw, min_size=10, max_size=60):
    n = draw(st.integers(min_size, max_size))
    chose = np.array(draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n)))
    values = np.array(draw(st.lists(st.floats(0.0, 10.0), min_size=n, max_size=n)))
    weights = np.array(draw(st.lists(st.floats(0.2, 50.0), min_size=n, max_size=n)))
    # Two strata, each with at least two respondents.
    strata = np.array(
        [0, 0, 1, 1, *draw(st.lists(st.sampled_from([0, 1]), min_size=n - 4, max_size=n - 4))]
    )
    domain = np.array([True, True, *draw(st.lists(st.booleans(), min_size=n - 2, max_size=n - 2))])
    return chose, values, weights, strata, domain


@settings(max_examples=80, deadline=None)
@given(answers())
def test_a_proportion_is_the_weighted_share_inside_its_interval(data):
    chose, _values, weights, strata, _domain = data
    found = proportion(chose, weights, strata)
    expected = float((weights * chose).sum() / weights.sum())
    assert abs(found.estimate - expected) < 1e-12
    assert 0.0 <= found.lower <= found.estimate + 1e-12 <= found.upper + 2e-12 <= 1.0 + 2e-12
    assert found.se >= 0 and found.n == chose.size


@settings(max_examples=80, deadline=None)
@given(answers(), st.floats(0.01, 100.0))
def test_estimates_ignore_the_scale_of_the_weights(data, scale):
    chose, values, weights, strata, domain = data
    for estimate in (proportion, mean):
        y = chose if estimate is proportion else values
        one = estimate(y, weights, strata, domain=domain)
        scaled = estimate(y, weights * scale, strata, domain=domain)
        assert abs(one.estimate - scaled.estimate) <= 1e-9 * max(1.0, abs(one.estimate))
        assert abs(one.se - scaled.se) <= 1e-9 * max(1.0, one.se)
        assert abs(one.effective_n - scaled.effective_n) <= 1e-6 * one.effective_n


@settings(max_examples=80, deadline=None)
@given(answers())
def test_a_domain_mean_is_the_weighted_mean_of_its_members_within_their_range(data):
    _chose, values, weights, strata, domain = data
    found = mean(values, weights, strata, domain=domain)
    inside = domain
    expected = float((weights[inside] * values[inside]).sum() / weights[inside].sum())
    assert abs(found.estimate - expected) <= 1e-9 * max(1.0, expected)
    assert values[inside].min() - 1e-9 <= found.estimate <= values[inside].max() + 1e-9
    assert found.n == int(inside.sum())


@settings(max_examples=60, deadline=None)
@given(answers())
def test_the_shares_of_every_answer_add_up_to_one(data):
    chose, _values, weights, strata, _domain = data
    yes = proportion(chose, weights, strata).estimate
    no = proportion(1.0 - chose, weights, strata).estimate
    assert abs(yes + no - 1.0) < 1e-12
