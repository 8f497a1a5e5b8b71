"""The Fay-Herriot model against cases whose answer is known in closed form, and REML against a
numerical maximisation of the restricted likelihood."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize

from commonground.surveys.statistics.small_area import (
    MOMENTS,
    REML,
    SmallAreaError,
    fay_herriot,
    restricted_log_likelihood,
)


def _areas(seed=3, m=12):
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(m), rng.uniform(0, 1, m)])
    theta = x @ np.array([40.0, 20.0]) + rng.normal(0, 4, m)
    psi = rng.uniform(4, 30, m)
    y = theta + rng.normal(0, np.sqrt(psi))
    return y, psi, x


def test_with_no_model_variance_every_estimate_is_the_weighted_regression_fit():
    y, psi, x = _areas()
    fit = fay_herriot(y, psi, x, sigma2=0.0)
    w = 1 / psi
    beta = np.linalg.solve(x.T @ (x * w[:, None]), x.T @ (w * y))
    np.testing.assert_allclose(fit.estimates, x @ beta, rtol=1e-12)
    np.testing.assert_allclose(fit.shrinkage, 0.0)


def test_with_a_huge_model_variance_every_estimate_is_the_direct_one():
    y, psi, x = _areas()
    fit = fay_herriot(y, psi, x, sigma2=1e12)
    np.testing.assert_allclose(fit.estimates, y, rtol=1e-8)
    # ...and its MSE is the direct estimate's variance.
    np.testing.assert_allclose(fit.mse, psi, rtol=1e-6)


def test_reml_with_an_intercept_and_equal_variances_is_the_sample_variance_less_psi():
    rng = np.random.default_rng(11)
    y = rng.normal(50, 6, 15)
    psi = np.full(15, 9.0)
    fit = fay_herriot(y, psi, np.ones((15, 1)), method=REML)
    assert fit.converged
    assert fit.sigma2 == pytest.approx(max(0.0, np.var(y, ddof=1) - 9.0), rel=1e-7)
    moments = fay_herriot(y, psi, np.ones((15, 1)), method=MOMENTS)
    assert moments.sigma2 == pytest.approx(fit.sigma2, rel=1e-9)


def test_reml_maximises_the_restricted_likelihood():
    y, psi, x = _areas(seed=5, m=20)
    fit = fay_herriot(y, psi, x, method=REML)
    best = optimize.minimize_scalar(
        lambda s: -restricted_log_likelihood(s, y, psi, x), bounds=(0, 1e4), method="bounded",
        options={"xatol": 1e-10},
    )  # fmt: skip
    assert fit.sigma2 == pytest.approx(best.x, rel=1e-4, abs=1e-6)


def test_the_eblup_lies_between_the_direct_and_the_synthetic_estimate_and_its_mse_is_smaller():
    y, psi, x = _areas(seed=8)
    fit = fay_herriot(y, psi, x)
    synthetic = x @ fit.beta
    assert np.all(fit.estimates >= np.minimum(y, synthetic) - 1e-9)
    assert np.all(fit.estimates <= np.maximum(y, synthetic) + 1e-9)
    # Borrowing strength gains most where the direct estimate is noisiest.
    assert np.all(fit.mse[fit.shrinkage < 0.5] < psi[fit.shrinkage < 0.5])


def test_prasad_rao_mse_terms_by_hand_for_one_area():
    y, psi, x = _areas(seed=2, m=10)
    fit = fay_herriot(y, psi, x, method=REML)
    s2 = fit.sigma2
    v = s2 + psi
    inverse = np.linalg.inv(x.T @ (x / v[:, None]))
    g = s2 / v
    vbar = 2 / np.sum(1 / v**2)
    i = 4
    expected = (
        g[i] * psi[i] + (1 - g[i]) ** 2 * x[i] @ inverse @ x[i] + 2 * psi[i] ** 2 / v[i] ** 3 * vbar
    )
    assert fit.mse[i] == pytest.approx(expected, rel=1e-10)


def test_an_area_without_a_direct_estimate_gets_the_synthetic_one():
    y, psi, x = _areas(seed=4)
    y[3], psi[3] = np.nan, np.nan
    fit = fay_herriot(y, psi, x)
    assert fit.estimates[3] == pytest.approx(x[3] @ fit.beta)
    assert fit.shrinkage[3] == 0
    assert fit.mse[3] > fit.sigma2
    assert fit.areas_fitted == len(y) - 1


def test_too_few_areas_or_a_missing_covariate_is_refused_with_a_reason():
    y, psi, x = _areas(m=3)
    with pytest.raises(SmallAreaError, match="at least 4 districts"):
        fay_herriot(y, psi, x)
    y, psi, x = _areas(m=8)
    x[2, 1] = np.nan
    with pytest.raises(SmallAreaError, match="covariate is missing"):
        fay_herriot(y, psi, x)


def test_intervals_are_clipped_to_the_bounds_of_a_share():
    rng = np.random.default_rng(1)
    y = rng.uniform(0.01, 0.2, 10)
    psi = np.full(10, 0.01)
    fit = fay_herriot(y, psi, np.ones((10, 1)), bounds=(0.0, 1.0))
    assert np.all(fit.low >= 0) and np.all(fit.high <= 1)


@given(
    st.lists(st.floats(-50, 50), min_size=5, max_size=15),
    st.floats(0.5, 20),
    st.floats(0, 100),
)
def test_every_estimate_is_a_convex_mix_and_the_mse_is_positive(values, psi_value, sigma2):
    y = np.array(values)
    psi = np.full(len(y), psi_value)
    fit = fay_herriot(y, psi, np.ones((len(y), 1)), sigma2=sigma2)
    synthetic = fit.beta[0]
    gamma = sigma2 / (sigma2 + psi_value)
    np.testing.assert_allclose(fit.estimates, gamma * y + (1 - gamma) * synthetic, atol=1e-9)
    assert np.all(fit.mse > 0)
    assert np.all(fit.low <= fit.estimates) and np.all(fit.estimates <= fit.high)
