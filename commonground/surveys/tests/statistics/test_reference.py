"""Our weights, estimates, standard errors and intervals against R's survey package on the same
data (reference/: the data, the R script that computed expected.json, and how to run it)."""

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from commonground.surveys.statistics.estimates import estimate_table
from commonground.surveys.statistics.weighting import Margin, rake

REFERENCE = Path(__file__).parent / "reference"
DOMAINS = ["district", "sex", "contact"]


@pytest.fixture(scope="module")
def expected():
    return json.loads((REFERENCE / "expected.json").read_text())


@pytest.fixture(scope="module")
def respondents():
    return pl.read_csv(
        REFERENCE / "respondents.csv", schema_overrides={"safe": pl.String}
    ).with_row_index("respondent")


def long_answers(respondents: pl.DataFrame) -> pl.DataFrame:
    choice = [
        respondents.filter(pl.col(q).is_not_null()).select(
            "respondent", question=pl.lit(q), choice=pl.col(q), value=pl.lit(None, pl.Float64)
        )
        for q in ("safe", "problem")
    ]
    trust = respondents.filter(pl.col("trust").is_not_null()).select(
        "respondent",
        question=pl.lit("trust"),
        choice=pl.lit(None, pl.String),
        value=pl.col("trust").cast(pl.Float64),
    )
    return pl.concat([*choice, trust])


def test_raked_weights_match_r_survey_rake(respondents, expected):
    margins = json.loads((REFERENCE / "margins.json").read_text())
    result = rake(
        respondents,
        [Margin(variable, population) for variable, population in margins.items()],
        respondents.get_column("design_weight").to_numpy(),
    )
    assert result.convergence.converged
    assert expected["survey_version"] >= "4"
    np.testing.assert_allclose(result.weights, expected["weights"], rtol=0, atol=1e-6)


@pytest.fixture(scope="module")
def compared(respondents, expected):
    weighted = respondents.with_columns(
        weight=pl.Series(expected["weights"]), stratum=pl.col("district")
    )
    ours = estimate_table(long_answers(respondents), weighted, domains=DOMAINS, min_effective_n=0)
    theirs = pl.DataFrame(expected["estimates"], infer_schema_length=None).with_columns(
        pl.col("domain_value").cast(pl.String), pl.col("choice").cast(pl.String)
    )
    keys = ["question", "choice", "domain_variable", "domain_value"]
    assert ours.height == theirs.height == 120
    return theirs.join(ours, on=keys, how="left", nulls_equal=True, suffix="_ours")


def test_estimates_and_standard_errors_match_r_svymean_in_every_domain(compared):
    assert compared.get_column("estimate_ours").null_count() == 0
    for column in ("estimate", "se"):
        np.testing.assert_allclose(
            compared.get_column(f"{column}_ours").to_numpy(),
            compared.get_column(column).to_numpy(),
            rtol=0,
            atol=1e-6,
        )
    assert (compared.get_column("n_ours") == compared.get_column("n")).all()


def test_intervals_match_r_svyciprop_logit_and_confint(compared):
    # Where a share is exactly 0 the logit interval does not exist; R's svyglm stops at a huge
    # negative intercept and prints an interval of width ~1e-11, an artefact we do not copy.
    inner = compared.filter(
        (pl.col("kind") == "mean") | pl.col("estimate").is_between(0, 1, closed="none")
    )
    assert inner.height >= 110
    for column in ("lower", "upper"):
        np.testing.assert_allclose(
            inner.get_column(f"{column}_ours").to_numpy(),
            inner.get_column(column).to_numpy(),
            rtol=0,
            atol=1e-6,
        )


def test_a_share_of_zero_gets_the_clopper_pearson_interval_at_the_effective_n(compared):
    zeros = compared.filter(pl.col("estimate") == 0)
    assert zeros.height == 3
    for row in zeros.iter_rows(named=True):
        # With no one choosing it, Clopper-Pearson's upper bound solves (1 - u)^n = 0.025.
        assert row["lower_ours"] == 0
        assert row["upper_ours"] == pytest.approx(1 - 0.025 ** (1 / row["effective_n"]))
