"""A design-effect cap that cannot be met, with respondents whose design weight is 0: the
weights stay numbers and the report says the cap did not hold (before, the cap's search went
down to a level of 0, every weight became NaN and the raking was reported converged)."""

import numpy as np
import polars as pl

from commonground.surveys.statistics.weighting import Margin, Trimming, rake


def test_an_unreachable_cap_with_zero_design_weights_is_reported_not_hidden():
    rng = np.random.default_rng(8)
    n = 300
    data = pl.DataFrame(
        {
            "age": rng.choice(["young", "old"], n, p=[0.3, 0.7]),
            "tenure": rng.choice(["owner", "renter"], n, p=[0.7, 0.3]),
        }
    )
    design = rng.uniform(0.5, 3.0, n)
    design[:15] = 0.0  # 5% with no weight: even equal weights have a design effect of 1/0.95
    result = rake(
        data,
        [
            Margin("age", {"young": 500.0, "old": 500.0}),
            Margin("tenure", {"owner": 400.0, "renter": 600.0}),
        ],
        design,
        trimming=Trimming(max_design_effect=1.0, max_cycles=5),
    )
    assert np.isfinite(result.weights).all()
    assert not result.convergence.bounds_hold
    assert not result.convergence.converged
    assert np.isfinite(result.convergence.max_relative_error)
    assert result.diagnostics.design_effect > 1.0
    # The margins are still met: the last step is always a rake.
    ages = data.get_column("age").to_numpy()
    assert np.isclose(result.weights[ages == "young"].sum(), 500.0, rtol=1e-8)
