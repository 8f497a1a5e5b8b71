"""Small-area estimates: the area-level Fay-Herriot model, its EBLUP and the Prasad-Rao MSE.

A district whose sample is too small for a direct estimate borrows strength from the others
through a regression on what is known about every district (its previous-wave estimate, its
population shares). For areas i = 1..m with a direct estimate y_i of known sampling variance
psi_i (the square of its design-based standard error) and covariates x_i:

    y_i = theta_i + e_i,    e_i ~ N(0, psi_i)          (sampling error)
    theta_i = x_i' beta + v_i,  v_i ~ N(0, sigma2)     (what the covariates do not explain)

With V = diag(sigma2 + psi_i), beta is estimated by generalised least squares,
beta = (X' V^-1 X)^-1 X' V^-1 y, and the EBLUP of theta_i is

    theta_i = gamma_i y_i + (1 - gamma_i) x_i' beta,    gamma_i = sigma2 / (sigma2 + psi_i),

the direct estimate shrunk towards the regression in proportion to how noisy it is. An area
with no direct estimate (nobody answered there) gets the synthetic part x_i' beta.

The model variance sigma2 is estimated by REML (Fisher scoring, as R's `sae::eblupFH` does:
s = -tr(P)/2 + y'PPy/2, F = tr(PP)/2, P = V^-1 - V^-1 X (X'V^-1X)^-1 X'V^-1), or by the
Prasad-Rao method of moments, sigma2 = (RSS_ols - sum psi_i (1 - h_ii)) / (m - p); either is
truncated at 0. The MSE of the EBLUP is Prasad and Rao's (1990) second-order approximation, as
in Rao and Molina, Small Area Estimation (2015), 6.2.1:

    mse_i = g1_i + g2_i + 2 g3_i,
    g1_i = gamma_i psi_i,
    g2_i = (1 - gamma_i)^2 x_i' (X'V^-1X)^-1 x_i,
    g3_i = psi_i^2 / (sigma2 + psi_i)^3 * Vbar(sigma2),

with Vbar = 2 / sum (sigma2 + psi_i)^-2 for REML and 2 m^-2 sum (sigma2 + psi_i)^2 for the
moment estimator. For an area with no direct estimate the MSE of the synthetic estimate is
sigma2 + x_i' (X'V^-1X)^-1 x_i: what the covariates do not explain, plus the uncertainty of
the fitted regression.

Known cases the tests check: with sigma2 = 0 every estimate is the regression fit; with sigma2
huge every estimate is the direct one; with one intercept and equal psi, REML's sigma2 is
max(0, s^2 - psi), s^2 the sample variance of the y_i; REML's sigma2 maximises the restricted
likelihood (checked against a numerical optimiser).
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats

REML = "reml"
MOMENTS = "moments"
LEVEL = 0.95


class SmallAreaError(ValueError):
    """The model cannot be fitted; the message says why, for the reader of the report."""


@dataclass(frozen=True)
class Fit:
    """The fitted model: the EBLUP, its MSE and interval per area (in the order given; None
    where neither a direct estimate nor the covariates exist), and the model's parameters."""

    estimates: np.ndarray
    mse: np.ndarray
    low: np.ndarray
    high: np.ndarray
    shrinkage: np.ndarray  # gamma_i: the weight of the direct estimate (0 for a synthetic one)
    beta: np.ndarray
    sigma2: float
    method: str
    iterations: int
    converged: bool
    areas_fitted: int


def _gls(y, x, v):
    vinv = 1.0 / v
    xtvx = x.T @ (x * vinv[:, None])
    inverse = np.linalg.inv(xtvx)
    beta = inverse @ (x.T @ (vinv * y))
    return beta, inverse


def _projection(x, v):
    """P = V^-1 - V^-1 X (X'V^-1X)^-1 X'V^-1."""
    vinv = np.diag(1.0 / v)
    vx = vinv @ x
    return vinv - vx @ np.linalg.inv(x.T @ vx) @ vx.T


def restricted_log_likelihood(sigma2: float, y: np.ndarray, psi: np.ndarray, x: np.ndarray):
    """The restricted (REML) log-likelihood of sigma2, up to a constant."""
    v = sigma2 + psi
    vinv = 1.0 / v
    xtvx = x.T @ (x * vinv[:, None])
    p = _projection(x, v)
    return float(-0.5 * np.sum(np.log(v)) - 0.5 * np.linalg.slogdet(xtvx)[1] - 0.5 * y @ p @ y)


def _reml(y, psi, x, tolerance=1e-10, max_iterations=200):
    sigma2 = max(float(np.median(psi)), 1e-12)
    for iteration in range(1, max_iterations + 1):
        p = _projection(x, sigma2 + psi)
        py = p @ y
        score = -0.5 * np.trace(p) + 0.5 * py @ py
        information = 0.5 * np.sum(p * p)
        step = score / information
        updated = max(sigma2 + step, 0.0)
        if abs(updated - sigma2) <= tolerance * max(1.0, sigma2):
            return updated, iteration, True
        sigma2 = updated
    return sigma2, max_iterations, False


def _moments(y, psi, x):
    inverse = np.linalg.inv(x.T @ x)
    residuals = y - x @ (inverse @ (x.T @ y))
    leverage = np.einsum("ij,jk,ik->i", x, inverse, x)
    m, p = x.shape
    return max(0.0, float((residuals @ residuals - np.sum(psi * (1 - leverage))) / (m - p)))


def fay_herriot(
    direct: np.ndarray,
    variance: np.ndarray,
    covariates: np.ndarray,
    *,
    method: str = REML,
    sigma2: float | None = None,
    bounds: tuple[float, float] | None = None,
) -> Fit:
    """Fit the Fay-Herriot model and return the EBLUP of every area.

    `direct`: the direct estimates (NaN for an area without one); `variance`: their sampling
    variances (NaN where there is no direct estimate); `covariates`: one row per area, the
    columns of X (include a column of ones for an intercept). Areas with a direct estimate and
    a positive variance fit the model; the others get the synthetic estimate. `sigma2` fixes
    the model variance instead of estimating it. `bounds` clips the intervals (e.g. 0 and 1 for
    a share)."""
    y_all = np.asarray(direct, dtype=np.float64)
    psi_all = np.asarray(variance, dtype=np.float64)
    x_all = np.asarray(covariates, dtype=np.float64)
    if x_all.ndim != 2 or x_all.shape[0] != y_all.shape[0] or psi_all.shape != y_all.shape:
        raise SmallAreaError(
            "Every area needs a direct estimate (or none), a variance and covariates."
        )
    if not np.all(np.isfinite(x_all)):
        raise SmallAreaError("A covariate is missing for some area.")
    if method not in (REML, MOMENTS):
        raise SmallAreaError(f"Unknown method {method!r}.")
    fitted = np.isfinite(y_all) & np.isfinite(psi_all) & (psi_all > 0)
    m, p = int(fitted.sum()), x_all.shape[1]
    if m < p + 2:
        raise SmallAreaError(
            f"The model needs at least {p + 2} districts with a direct estimate; there are {m}."
        )
    y, psi, x = y_all[fitted], psi_all[fitted], x_all[fitted]
    if np.linalg.matrix_rank(x) < p:
        raise SmallAreaError("The covariates do not vary enough between districts to fit.")
    iterations, converged = 0, True
    if sigma2 is None:
        if method == REML:
            sigma2, iterations, converged = _reml(y, psi, x)
        else:
            sigma2 = _moments(y, psi, x)
    elif not sigma2 >= 0:
        raise SmallAreaError("The model variance cannot be negative.")
    v = sigma2 + psi
    beta, inverse = _gls(y, x, v)
    if method == REML:
        vbar = 2.0 / float(np.sum(1.0 / v**2))
    else:
        vbar = 2.0 * float(np.sum(v**2)) / m**2

    synthetic = x_all @ beta
    leverage = np.einsum("ij,jk,ik->i", x_all, inverse, x_all)
    gamma = np.zeros_like(y_all)
    estimates = synthetic.copy()
    # Areas without a direct estimate: the synthetic estimate and its MSE.
    mse = sigma2 + leverage
    with np.errstate(invalid="ignore", divide="ignore"):
        g = sigma2 / (sigma2 + psi_all[fitted]) if sigma2 > 0 else np.zeros(m)
    gamma[fitted] = g
    estimates[fitted] = g * y + (1 - g) * synthetic[fitted]
    g1 = g * psi
    g2 = (1 - g) ** 2 * leverage[fitted]
    g3 = psi**2 / v**3 * vbar
    mse[fitted] = g1 + g2 + 2 * g3
    half = stats.norm.ppf(1 - (1 - LEVEL) / 2) * np.sqrt(mse)
    low, high = estimates - half, estimates + half
    if bounds is not None:
        estimates = np.clip(estimates, *bounds)
        low, high = np.clip(low, *bounds), np.clip(high, *bounds)
    return Fit(
        estimates=estimates,
        mse=mse,
        low=low,
        high=high,
        shrinkage=gamma,
        beta=beta,
        sigma2=float(sigma2),
        method=method,
        iterations=iterations,
        converged=converged,
        areas_fitted=m,
    )
