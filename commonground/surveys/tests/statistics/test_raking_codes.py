"""How raking reads the respondents' categories: every column coded in one polars pass (bench's
surveys phase made that the fast path), with the same answers as reading them one by one."""

import numpy as np
import polars as pl
import pytest

from commonground.surveys.statistics.weighting import Margin, RakingError, rake

AGE = Margin("age", {"young": 60.0, "old": 40.0})
TENURE = Margin("tenure", {"owner": 55.0, "renter": 45.0})


def test_values_not_in_the_margin_are_named_in_the_error():
    data = {"age": ["young", "old", "middle", None, "middle", "ancient"], "tenure": ["owner"] * 6}
    with pytest.raises(RakingError) as raised:
        rake(data, [AGE, Margin("tenure", {"owner": 100.0})])
    assert str(raised.value) == (
        "age: 2 value(s) in the responses are not categories of the margin ('ancient', "
        "'middle'); add them to the margin or recode them."
    )


def test_the_second_margin_is_checked_too():
    data = {"age": ["young", "old"], "tenure": ["owner", "tenant"]}
    with pytest.raises(RakingError, match=r"tenure: 1 value\(s\) .* \('tenant'\)"):
        rake(data, [AGE, TENURE])


def test_missing_values_are_not_unknown_values():
    data = {"age": ["young", None, "old", "young"], "tenure": [None, None, "owner", "renter"]}
    result = rake(data, [AGE, TENURE], tolerance=1e-12)
    assert result.convergence.converged
    assert result.weights.sum() == pytest.approx(100.0)


def test_numbers_and_categoricals_are_compared_as_strings():
    codes = pl.DataFrame(
        {
            "district": pl.Series([1, 2, 2, 3, 1, 3], dtype=pl.Int64),
            "sex": pl.Series(["f", "m", "f", "m", "m", "f"], dtype=pl.Categorical),
        }
    )
    margins = [
        Margin("district", {"1": 30.0, "2": 30.0, "3": 40.0}),
        Margin("sex", {"f": 52.0, "m": 48.0}),
    ]
    as_strings = codes.with_columns(pl.col("district", "sex").cast(pl.String))
    ours = rake(codes, margins, tolerance=1e-12).weights
    np.testing.assert_allclose(ours, rake(as_strings, margins, tolerance=1e-12).weights, rtol=1e-12)
    by_district = np.bincount(codes.get_column("district").to_numpy(), weights=ours)
    np.testing.assert_allclose(by_district[1:], [30.0, 30.0, 40.0])


def test_weights_follow_the_rows_in_their_order():
    rng = np.random.default_rng(4)
    n = 2000
    frame = pl.DataFrame(
        {
            "age": rng.choice(["young", "old"], n, p=[0.3, 0.7]),
            "tenure": rng.choice(["owner", "renter"], n, p=[0.8, 0.2]),
        }
    )
    design = rng.uniform(0.5, 2.0, n)
    weights = rake(frame, [AGE, TENURE], design, tolerance=1e-12).weights
    order = rng.permutation(n)
    shuffled = rake(frame[order], [AGE, TENURE], design[order], tolerance=1e-12).weights
    np.testing.assert_allclose(shuffled, weights[order], rtol=1e-10)
    for margin in (AGE, TENURE):
        column = frame.get_column(margin.variable).to_numpy()
        for category, count in margin.population.items():
            assert weights[column == category].sum() == pytest.approx(count, rel=1e-10)
