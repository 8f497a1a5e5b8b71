"""Weighted proportions and means with design-based standard errors, for the whole population and
for domains (districts, demographic groups, contact with police), and the 0-100 index scores.

The design. Respondents are a stratified (strata = district), unclustered sample with
replacement, carrying their final (raked) weights as fixed weights: the same as R's
`svydesign(ids=~1, strata=~district, weights=~w)` followed by `svymean`. R's calibration-aware
standard error (on the design `calibrate()` or `rake()` returns) is smaller, since it credits
the margins as known; we use the plain design with the final weights, the usual choice of
published survey tables and the conservative one, and say so in the method text.

Standard errors by Taylor linearisation: a mean ybar = sum(w y) / sum(w) over the domain's
respondents who answered has the linearised values z_i = w_i (y_i - ybar) / sum(w) inside the
domain and 0 outside it, and
    Var = sum over strata h of n_h / (n_h - 1) * sum_i in h (z_i - zbar_h)^2,
where n_h counts every respondent of the stratum, in the domain or not. That is domain
estimation (the zeros outside the domain count), not the estimate of a subset taken as if it
were the whole design. A stratum with a single respondent is centred at the mean of all z
rather than at its own (R's `options(survey.lonely.psu = "adjust")`).

Intervals (95%). Proportions: the logit interval of R's `svyciprop(method = "logit")`,
expit(logit(p) +/- t * SE / (p (1 - p))), with t on n - H degrees of freedom (respondents who
answered in the domain less the strata they are in, R's `degf`); when p is 0 or 1 that interval
does not exist, and the Clopper-Pearson interval at the effective n is given (Korn and Graubard
1998). Means: mean +/- z * SE with the normal quantile, as R's `confint(svymean(...))`.

Design effect: Kish's, of the weights of the domain's respondents who answered,
n * sum(w^2) / sum(w)^2, and the effective n = n / deff = sum(w)^2 / sum(w^2). An estimate
whose effective n is below the caller's threshold is withheld: its row says why, and it has no
number.

`estimate_table` computes every question x every choice x every domain from a long frame of
answers in a few polars group-bys; `proportion` and `mean` compute one estimate from arrays.
"""

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from django.utils.translation import gettext_lazy as _
from scipy import stats
from scipy.special import expit, logit

LEVEL = 0.95
ALL = "all"

WITHHELD_EFFECTIVE_N = "effective_n"
WITHHELD_REASONS = {
    WITHHELD_EFFECTIVE_N: _(
        "Withheld: too few people answered in this group for a reliable figure "
        "(effective sample size below the threshold)."
    ),
}


class EstimationError(ValueError):
    """The answers or respondents cannot be estimated from; the message says what to fix."""


@dataclass(frozen=True)
class Estimate:
    question: str
    choice: str | None
    domain_variable: str
    domain_value: str
    kind: str  # "proportion" or "mean"
    n: int
    effective_n: float
    design_effect: float
    estimate: float | None
    se: float | None
    lower: float | None
    upper: float | None
    withheld: str | None  # a key of WITHHELD_REASONS, or None

    @property
    def withheld_reason(self):
        return WITHHELD_REASONS[self.withheld] if self.withheld else None


@functools.lru_cache(maxsize=4096)
def _t_quantile(df: float) -> float:
    """Student's t critical value for the interval's level. A table has thousands of cells but
    few distinct degrees of freedom (primary units minus strata), and scipy's ppf costs a
    quarter of a millisecond a call."""
    return float(stats.t.ppf(1 - (1 - LEVEL) / 2, df))


NORMAL_QUANTILE = float(stats.norm.ppf(1 - (1 - LEVEL) / 2))


def _interval_proportion(p: float, se: float, df: float, n_eff: float) -> tuple[float, float]:
    alpha = 1 - LEVEL
    if 0 < p < 1 and se > 0 and df >= 1:
        half = _t_quantile(df) * se / (p * (1 - p))
        centre = logit(p)
        return float(expit(centre - half)), float(expit(centre + half))
    x = p * n_eff
    lower = 0.0 if p <= 0 else float(stats.beta.ppf(alpha / 2, x, n_eff - x + 1))
    upper = 1.0 if p >= 1 else float(stats.beta.ppf(1 - alpha / 2, x + 1, n_eff - x))
    return lower, upper


def _interval_mean(mean: float, se: float) -> tuple[float, float]:
    half = NORMAL_QUANTILE * se
    return mean - half, mean + half


def _check_threshold(min_effective_n: float) -> None:
    if not (min_effective_n >= 0 and math.isfinite(min_effective_n)):
        raise EstimationError("The effective-n threshold must be a number of at least 0.")


def _one(
    kind: str,
    y: np.ndarray,
    weights: np.ndarray,
    strata: np.ndarray,
    domain: np.ndarray | None,
    min_effective_n: float,
    question: str,
    choice: str | None,
    domain_variable: str,
    domain_value: str,
) -> Estimate:
    _check_threshold(min_effective_n)
    w = np.asarray(weights, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    strata = np.asarray(strata)
    if not (w.shape == y.shape == strata.shape):
        raise EstimationError("The answers, weights and strata must have one value per person.")
    inside = ~np.isnan(y) if domain is None else (~np.isnan(y) & np.asarray(domain, dtype=bool))
    n = int(inside.sum())
    wd = np.where(inside, w, 0.0)
    total = wd.sum()
    if n == 0 or total <= 0:
        raise EstimationError("Nobody in this group answered the question.")
    ybar = float(np.dot(wd, np.where(inside, y, 0.0)) / total)
    z = np.where(inside, w * (np.where(inside, y, 0.0) - ybar) / total, 0.0)
    _, stratum_of = np.unique(strata, return_inverse=True)
    n_h = np.bincount(stratum_of)
    sum_h = np.bincount(stratum_of, weights=z)
    centre = np.where(n_h > 1, sum_h / n_h, z.sum() / len(z))[stratum_of]
    scale = np.where(n_h > 1, n_h / np.maximum(n_h - 1, 1), 1.0)[stratum_of]
    variance = float(np.sum(scale * (z - centre) ** 2))
    se = math.sqrt(variance)
    n_eff = total**2 / float(np.dot(wd, wd))
    strata_in = len(np.unique(stratum_of[inside]))
    withheld = WITHHELD_EFFECTIVE_N if n_eff < min_effective_n else None
    if kind == "proportion":
        lower, upper = _interval_proportion(ybar, se, n - strata_in, n_eff)
    else:
        lower, upper = _interval_mean(ybar, se)
    return Estimate(
        question=question,
        choice=choice,
        domain_variable=domain_variable,
        domain_value=domain_value,
        kind=kind,
        n=n,
        effective_n=n_eff,
        design_effect=n / n_eff,
        estimate=None if withheld else ybar,
        se=None if withheld else se,
        lower=None if withheld else lower,
        upper=None if withheld else upper,
        withheld=withheld,
    )


def proportion(
    answered_choice: np.ndarray,
    weights: np.ndarray,
    strata: np.ndarray,
    *,
    domain: np.ndarray | None = None,
    min_effective_n: float = 0.0,
    question: str = "",
    choice: str | None = None,
    domain_variable: str = ALL,
    domain_value: str = ALL,
) -> Estimate:
    """The weighted share choosing an answer: `answered_choice` is 1 (chose it), 0 (answered
    something else) or NaN (did not answer), one per respondent of the whole sample; `domain`
    marks the domain's respondents (None: everyone)."""
    y = np.asarray(answered_choice, dtype=np.float64)
    if np.any((y != 0) & (y != 1) & ~np.isnan(y)):
        raise EstimationError("A proportion is estimated from answers coded 1, 0 or missing.")
    return _one(
        "proportion", y, weights, strata, domain, min_effective_n,
        question, choice, domain_variable, domain_value,
    )  # fmt: skip


def mean(
    values: np.ndarray,
    weights: np.ndarray,
    strata: np.ndarray,
    *,
    domain: np.ndarray | None = None,
    min_effective_n: float = 0.0,
    question: str = "",
    domain_variable: str = ALL,
    domain_value: str = ALL,
) -> Estimate:
    """The weighted mean of a numeric answer (NaN: not answered), as `proportion`."""
    return _one(
        "mean", values, weights, strata, domain, min_effective_n,
        question, None, domain_variable, domain_value,
    )  # fmt: skip


TABLE_SCHEMA = {
    "question": pl.String,
    "choice": pl.String,
    "domain_variable": pl.String,
    "domain_value": pl.String,
    "kind": pl.String,
    "n": pl.Int64,
    "effective_n": pl.Float64,
    "design_effect": pl.Float64,
    "estimate": pl.Float64,
    "se": pl.Float64,
    "lower": pl.Float64,
    "upper": pl.Float64,
    "withheld": pl.String,
}


def _stratum_sums(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    w, y = pl.col("weight"), pl.col("y")
    return frame.group_by([*keys, "stratum"]).agg(
        a=w.sum(),
        b=(w * w).sum(),
        c=(w * y).sum(),
        d=(w * w * y).sum(),
        e=(w * w * y * y).sum(),
        count=pl.len(),
    )


def estimate_table(
    answers: pl.DataFrame,
    respondents: pl.DataFrame,
    *,
    domains: Sequence[str],
    min_effective_n: float,
) -> pl.DataFrame:
    """Every question x every answer choice (proportions) or numeric question (means) x the whole
    population and every value of every domain variable, as one frame (TABLE_SCHEMA).

    `answers`: one row per answer, columns respondent, question, choice (String: the chosen
    answer of a choice question; a multiple-choice question has a row per choice ticked) and
    value (Float64: the answer of a numeric question); exactly one of choice and value is set.
    `respondents`: one row per respondent of the sample, columns respondent, weight, stratum and
    each domain variable (a null domain value leaves the person out of that variable's domains).
    A question nobody answered in a domain has no row for it.
    """
    _check_threshold(min_effective_n)
    for column in ("respondent", "weight", "stratum", *domains):
        if column not in respondents.columns:
            raise EstimationError(f"The respondents have no column {column!r}.")
    for column in ("respondent", "question", "choice", "value"):
        if column not in answers.columns:
            raise EstimationError(f"The answers have no column {column!r}.")
    if respondents.get_column("respondent").is_duplicated().any():
        raise EstimationError("A respondent appears twice among the respondents.")
    weights = respondents.get_column("weight")
    if weights.null_count() or (weights.cast(pl.Float64) < 0).any():
        raise EstimationError("Every respondent needs a weight of at least 0.")
    both = answers.filter(pl.col("choice").is_not_null() == pl.col("value").is_not_null())
    if both.height:
        raise EstimationError(
            f"{both.height} answer(s) have both or neither of a choice and a value."
        )

    people = respondents.select(
        "respondent",
        pl.col("weight").cast(pl.Float64),
        pl.col("stratum").cast(pl.String),
        *[pl.col(d).cast(pl.String) for d in domains],
    )
    joined = answers.select(
        "respondent", pl.col("question").cast(pl.String), pl.col("choice").cast(pl.String),
        pl.col("value").cast(pl.Float64),
    ).join(people, on="respondent", how="left")  # fmt: skip
    if joined.get_column("weight").null_count():
        raise EstimationError("Some answers belong to nobody among the respondents.")
    stratum_sizes = people.group_by("stratum").agg(n_h=pl.len())

    choices = joined.filter(pl.col("choice").is_not_null())
    numbers = joined.filter(pl.col("value").is_not_null())
    kinds = pl.concat(
        [
            choices.select("question", kind=pl.lit("proportion")),
            numbers.select("question", kind=pl.lit("mean")),
        ]
    ).unique()
    if kinds.get_column("question").is_duplicated().any():
        raise EstimationError("A question has both choice answers and numeric answers.")
    # A choice question's base: each respondent who answered it once, with y = 0.
    base = choices.unique(subset=["respondent", "question"]).with_columns(y=pl.lit(0.0))
    chosen = choices.unique(subset=["respondent", "question", "choice"]).with_columns(y=pl.lit(1.0))
    options = choices.select("question", "choice").unique()
    numbers = numbers.rename({"value": "y"})

    parts = []
    for variable in [ALL, *domains]:
        column = pl.lit(ALL) if variable == ALL else pl.col(variable)

        def tagged(frame: pl.DataFrame, column=column) -> pl.DataFrame:
            return frame.with_columns(domain_value=column).filter(
                pl.col("domain_value").is_not_null()
            )

        keys = ["question", "domain_value"]
        base_sums = _stratum_sums(tagged(base), keys).select(*keys, "stratum", "a", "b", "count")
        chosen_sums = _stratum_sums(tagged(chosen), [*keys, "choice"]).select(
            *keys, "choice", "stratum", "c", "d"
        )
        proportions = (
            base_sums.join(options, on="question")
            .join(chosen_sums, on=[*keys, "choice", "stratum"], how="left")
            .with_columns(pl.col("c", "d").fill_null(0.0))
            .with_columns(e=pl.col("d"))
        )
        means = _stratum_sums(tagged(numbers), keys).with_columns(choice=pl.lit(None, pl.String))
        columns = ["question", "choice", "domain_value", "stratum", "a", "b", "c", "d", "e"]
        parts.append(
            pl.concat(
                [
                    proportions.select(*columns, "count"),
                    means.select(*columns, "count"),
                ]
            ).with_columns(domain_variable=pl.lit(variable))
        )
    cells = pl.concat(parts).join(stratum_sizes, on="stratum")

    group = ["question", "choice", "domain_variable", "domain_value"]
    totals = cells.group_by(group).agg(
        total=pl.col("a").sum(),
        ybar=pl.col("c").sum() / pl.col("a").sum(),
        n=pl.col("count").sum(),
        squares=pl.col("b").sum(),
        strata_in=pl.len(),
    )
    # Per stratum: S1 = sum z and S2 = sum z^2, from the weighted sums and the domain's mean.
    ybar, total = pl.col("ybar"), pl.col("total")
    s1 = (pl.col("c") - ybar * pl.col("a")) / total
    s2 = (pl.col("e") - 2 * ybar * pl.col("d") + ybar * ybar * pl.col("b")) / (total * total)
    n_h = pl.col("n_h")
    # A lonely stratum is centred at the mean of all z, which is 0 (sum z = 0 by ybar's
    # definition): its one z is S1.
    lonely = s1 * s1
    variance_h = pl.when(n_h > 1).then(n_h / (n_h - 1) * (s2 - s1 * s1 / n_h)).otherwise(lonely)
    table = (
        cells.join(totals, on=group, nulls_equal=True)
        .group_by(group)
        .agg(
            variance=variance_h.sum(),
            ybar=ybar.first(),
            total=total.first(),
            n=pl.col("n").first(),
            squares=pl.col("squares").first(),
            strata_in=pl.col("strata_in").first(),
        )
        .join(kinds, on="question")
        .with_columns(
            effective_n=pl.col("total") ** 2 / pl.col("squares"),
            se=pl.col("variance").clip(lower_bound=0.0).sqrt(),
        )
        .with_columns(design_effect=pl.col("n") / pl.col("effective_n"))
        .sort(group, nulls_last=False)
    )
    rows = []
    for row in table.iter_rows(named=True):
        withheld = WITHHELD_EFFECTIVE_N if row["effective_n"] < min_effective_n else None
        if withheld:
            lower = upper = estimate = se = None
        else:
            estimate, se = row["ybar"], row["se"]
            if row["kind"] == "proportion":
                lower, upper = _interval_proportion(
                    estimate, se, row["n"] - row["strata_in"], row["effective_n"]
                )
            else:
                lower, upper = _interval_mean(estimate, se)
        rows.append(
            {
                "question": row["question"],
                "choice": row["choice"],
                "domain_variable": row["domain_variable"],
                "domain_value": row["domain_value"],
                "kind": row["kind"],
                "n": row["n"],
                "effective_n": row["effective_n"],
                "design_effect": row["design_effect"],
                "estimate": estimate,
                "se": se,
                "lower": lower,
                "upper": upper,
                "withheld": withheld,
            }
        )
    return pl.DataFrame(rows, schema=TABLE_SCHEMA)


def estimates_from_table(table: pl.DataFrame) -> list[Estimate]:
    return [Estimate(**row) for row in table.iter_rows(named=True)]


def index_scores(
    items: np.ndarray,
    *,
    low: int = 1,
    high: int = 5,
    reverse: Sequence[int] = (),
) -> np.ndarray:
    """A 0-100 score per respondent from agreement items (rows: respondents, columns: items,
    values low..high, NaN for unanswered): each answer rescaled to 0-100
    ((x - low) / (high - low) * 100; a reversed item, where agreeing means less trust, as 100
    minus that), then the mean of the answered items. A respondent who answered fewer than half
    of the items (rounded up) gets NaN: no score rather than one resting on one or two answers.
    """
    x = np.asarray(items, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] == 0:
        raise EstimationError("An index needs a table of answers with at least one item.")
    answered = ~np.isnan(x)
    valid = (x >= low) & (x <= high) & (x == np.round(x))
    if np.any(answered & ~valid):
        raise EstimationError(f"Index items are whole numbers from {low} to {high}.")
    scaled = (x - low) / (high - low) * 100
    for column in reverse:
        scaled[:, column] = 100 - scaled[:, column]
    counts = answered.sum(axis=1)
    needed = math.ceil(x.shape[1] / 2)
    with np.errstate(invalid="ignore"):
        scores = np.where(answered, scaled, 0.0).sum(axis=1) / counts
    return np.where(counts >= needed, scores, np.nan)
