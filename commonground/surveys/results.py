"""From a wave's responses to its weights and estimates: the steps of a weighting run, on frames
the selectors read (no database here).

1. **Margins.** The population margins kept per district become one margin per weighting
   variable across districts (`categories.WEIGHTING_VARIABLES`), plus the district margin: each
   district's adults, the total of its first variable's categories. A variable whose categories
   add up to a slightly different total (census tables rarely agree to the person) is scaled to
   the district margin's total, and the report says by how much.
2. **Raking**, for each basis (`models.Basis`): the random samples' responses from their design
   weights (these weights are the ones stored on the responses); every response, volunteers
   included, from a weight of 1 (volunteers have no chance of selection to start from); and the
   random samples unweighted, for comparison.
3. **Estimates** (`statistics.estimates.estimate_table`): every question's shares (each choice)
   or mean, and the trust and safety indices, for everyone and by district, demographic group
   and contact with police.
4. **Small areas.** A district whose effective sample is below the survey's `min_effective_n`
   gets the Fay-Herriot model estimate (`statistics.small_area`), labelled as such, with its
   interval; when the model cannot be fitted the figure is withheld, with the reason. A group
   (not a district) below the threshold is withheld.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from django.utils.translation import gettext_lazy as _

from commonground.surveys.categories import CATEGORIES, WEIGHTING_VARIABLES, Variable
from commonground.surveys.models import Basis, Method
from commonground.surveys.statistics import estimates as est
from commonground.surveys.statistics import small_area
from commonground.surveys.statistics.weighting import Margin, Trimming, rake

TRUST_INDEX = "trust_index"
SAFETY_INDEX = "safety_index"
# Which agreement items (by question-bank topic) make each index.
INDEX_TOPICS = {TRUST_INDEX: "trust.", SAFETY_INDEX: "safety."}
INDEX_NAMES = {TRUST_INDEX: _("Trust index"), SAFETY_INDEX: _("Safety index")}
INDEX_DEFINITIONS = {
    TRUST_INDEX: _(
        "The trust index is the average of a person's answers to the agreement questions about "
        "the police (they treat people with respect, listen to concerns, treat people fairly, "
        "can be trusted to do what is right), each turned into a score from 0 (strongly "
        "disagree) to 100 (strongly agree). A person who answered fewer than half of them has "
        "no score."
    ),
    SAFETY_INDEX: _(
        "The safety index is the average of a person's answers to the questions about feeling "
        "safe in their neighbourhood (by day, after dark), each turned into a score from 0 "
        "(strongly disagree) to 100 (strongly agree). A person who answered fewer than half of "
        "them has no score."
    ),
}

DISTRICT = str(Variable.DISTRICT)
NO_DISTRICT = "-"
REASON_SMALL = str(est.WITHHELD_REASONS[est.WITHHELD_EFFECTIVE_N])
REASON_NO_MODEL = _(
    "Withheld: too few people answered in this district for a direct figure, and the "
    "small-area model could not be fitted for this question."
)


class ResultsError(ValueError):
    """The wave cannot be weighted; the message says what to fix."""


@dataclass
class WaveData:
    """A wave's responses as frames: `respondents` (respondent, recruitment, design_weight,
    district and a column per variable the instrument asks), `answers` (respondent, question,
    choice, value: choice and numeric questions only, demographics excluded), the index items,
    and each measure's range (for clipping intervals)."""

    respondents: pl.DataFrame
    answers: pl.DataFrame
    variables: list[str]
    index_items: dict[str, list[str]] = field(default_factory=dict)
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    probability: set[str] = field(default_factory=set)


def build_margins(
    population: Mapping[str, Mapping[str, Mapping[str, int]]], variables: list[str]
) -> tuple[list[Margin], list[str], list[str]]:
    """Raking margins from {district: {variable: {category: population}}}: the district margin
    and one per weighting variable the responses have. Returns the margins, the districts in
    order and notes for the report."""
    if not population:
        raise ResultsError(
            "There are no population margins to weight to. Import them on the margins page."
        )
    districts = sorted(population)
    order = [str(v) for v in WEIGHTING_VARIABLES if v != Variable.DISTRICT]
    totals = {}
    for district in districts:
        first = next((v for v in order if population[district].get(v)), None)
        if first is None:
            raise ResultsError(f"District {district} has no population margin.")
        totals[district] = float(sum(population[district][first].values()))
    grand = sum(totals.values())
    margins = [Margin(DISTRICT, dict(totals))]
    notes = []
    for variable in order:
        if variable not in variables:
            continue
        if not all(population[d].get(variable) for d in districts):
            notes.append(f"{variable}: not used, since some districts have no margin for it.")
            continue
        counts = {
            category: float(sum(population[d][variable].get(category, 0) for d in districts))
            for category, _label in CATEGORIES[variable]
        }
        total = sum(counts.values())
        if total <= 0:
            continue
        factor = grand / total
        if abs(factor - 1) > 1e-9:
            notes.append(
                f"{variable}: counts scaled by {factor:.4f} to the districts' total of "
                f"{grand:,.0f} adults."
            )
        margins.append(Margin(variable, {c: n * factor for c, n in counts.items()}))
    return margins, districts, notes


def _basis_frames(data: WaveData) -> dict[str, tuple[pl.DataFrame, bool]]:
    """Each basis's respondents, and whether they start from their design weights."""
    people = data.respondents
    sampled = people.filter(pl.col("recruitment").is_in(sorted(data.probability)))
    frames = {}
    if sampled.height:
        frames[Basis.PROBABILITY] = (sampled, True)
        frames[Basis.UNWEIGHTED] = (sampled, False)
    frames[Basis.ALL] = (people, False)
    return frames


def _index_answers(data: WaveData, people: pl.DataFrame) -> pl.DataFrame:
    """Each respondent's 0-100 index scores, as numeric answers named after the index."""
    parts = []
    ids = people.get_column("respondent")
    for index, items in data.index_items.items():
        if not items:
            continue
        wide = (
            data.answers.filter(
                pl.col("question").is_in(items) & pl.col("respondent").is_in(ids.implode())
            )
            .select("respondent", "question", pl.col("choice").cast(pl.Float64).alias("x"))
            .pivot(on="question", index="respondent", values="x", aggregate_function="first")
        )
        for item in items:
            if item not in wide.columns:
                wide = wide.with_columns(pl.lit(None, pl.Float64).alias(item))
        if not wide.height:
            continue
        matrix = wide.select(items).to_numpy().astype(np.float64)
        scores = est.index_scores(matrix)
        parts.append(
            pl.DataFrame(
                {
                    "respondent": wide.get_column("respondent"),
                    "question": [index] * wide.height,
                    "choice": pl.Series([None] * wide.height, dtype=pl.String),
                    "value": scores,
                }
            ).filter(pl.col("value").is_not_nan())
        )
    return pl.concat(parts) if parts else data.answers.clear()


@dataclass
class BasisResult:
    basis: str
    weights: pl.DataFrame  # respondent, weight
    report: dict
    rows: list[dict]


def _json_rake(result, margins, notes, trimming) -> dict:
    c = result.convergence
    return {
        "respondents": len(result.weights),
        "converged": c.converged,
        "iterations": c.iterations,
        "max_relative_error": c.max_relative_error,
        "trimming": trimming,
        "trimming_cycles": c.trimming_cycles,
        "trimmed": c.trimmed,
        "bounds_hold": c.bounds_hold,
        "collapsed": [str(w) for w in result.warnings],
        "design_effect": result.diagnostics.design_effect,
        "effective_n": result.diagnostics.effective_sample_size,
        "min_weight": float(np.min(result.weights)),
        "max_weight": float(np.max(result.weights)),
        "margins": [
            {
                "variable": row.variable,
                "category": row.category,
                "population": row.population_share,
                "unweighted": row.sample_share,
                "weighted": row.weighted_share,
                "respondents": row.respondents,
            }
            for row in result.diagnostics.margins
        ],
        "notes": notes,
        "variables": [m.variable for m in margins],
    }


def _covariates(
    areas: list[str], previous: Mapping[str, float] | None, renters: Mapping[str, float]
) -> tuple[np.ndarray, str]:
    ones = np.ones((len(areas), 1))
    if previous and all(a in previous for a in areas):
        return np.column_stack([ones, [previous[a] for a in areas]]), "previous wave"
    if renters and all(a in renters for a in areas) and len(set(renters.values())) > 1:
        return np.column_stack([ones, [renters[a] for a in areas]]), "share renting"
    return ones, "intercept only"


def _row(basis, measure, choice, domain, domain_value, **figures) -> dict:
    return {
        "basis": basis,
        "measure": measure,
        "choice": choice or "",
        "domain": domain,
        "domain_value": domain_value,
        **figures,
    }


def _direct(basis, r) -> dict:
    return _row(
        basis, r["question"], r["choice"], r["domain_variable"], r["domain_value"],
        n=r["n"], effective_n=r["effective_n"], design_effect=r["design_effect"],
        method=Method.DIRECT, value=r["estimate"], standard_error=r["se"], low=r["lower"],
        high=r["upper"], reason="",
    )  # fmt: skip


def _withheld(basis, question, choice, domain, value, n, n_eff, deff, reason) -> dict:
    return _row(
        basis, question, choice, domain, value, n=n, effective_n=n_eff, design_effect=deff,
        method=Method.WITHHELD, value=None, standard_error=None, low=None, high=None,
        reason=str(reason),
    )  # fmt: skip


def _estimate_rows(
    basis: str,
    table: pl.DataFrame,
    *,
    districts: list[str],
    min_effective_n: float,
    ranges: Mapping[str, tuple[float, float]],
    previous: Mapping[tuple, float],
    renters: Mapping[str, float],
    models: list[dict],
) -> list[dict]:
    rows = []
    for r in table.filter(pl.col("domain_variable") != DISTRICT).iter_rows(named=True):
        if r["effective_n"] >= min_effective_n:
            rows.append(_direct(basis, r))
        else:
            rows.append(
                _withheld(
                    basis,
                    r["question"],
                    r["choice"],
                    r["domain_variable"],
                    r["domain_value"],
                    r["n"],
                    r["effective_n"],
                    r["design_effect"],
                    REASON_SMALL,
                )
            )
    by_district = table.filter(
        (pl.col("domain_variable") == DISTRICT) & (pl.col("domain_value") != NO_DISTRICT)
    )
    measures = (
        by_district.select("question", "choice", "kind")
        .unique()
        .sort("question", "choice", nulls_last=False)
    )
    for question, choice, kind in measures.iter_rows():
        found = {
            r["domain_value"]: r
            for r in by_district.filter(
                (pl.col("question") == question) & pl.col("choice").eq_missing(choice)
            ).iter_rows(named=True)
        }
        small = [
            d for d in districts if d not in found or found[d]["effective_n"] < min_effective_n
        ]
        for district in districts:
            if district not in small:
                rows.append(_direct(basis, found[district]))
        if not small:
            continue
        areas = districts
        direct = np.array(
            [found[d]["estimate"] if d in found and found[d]["n"] >= 2 else np.nan for d in areas]
        )
        variance = np.array(
            [found[d]["se"] ** 2 if d in found and found[d]["n"] >= 2 else np.nan for d in areas]
        )
        bounds = (0.0, 1.0) if kind == "proportion" else ranges.get(question)
        prior = {
            d: previous[(question, choice or "", d)]
            for d in areas
            if (question, choice or "", d) in previous
        }
        x, covariates = _covariates(areas, prior, renters)
        try:
            fit = small_area.fay_herriot(direct, variance, x, bounds=bounds)
        except (small_area.SmallAreaError, np.linalg.LinAlgError) as failed:
            fit = None
            models.append(
                {"measure": question, "choice": choice or "", "fitted": False, "why": str(failed)}
            )
        else:
            models.append(
                {
                    "measure": question,
                    "choice": choice or "",
                    "fitted": True,
                    "covariates": covariates,
                    "sigma2": fit.sigma2,
                    "areas": fit.areas_fitted,
                    "converged": fit.converged,
                }
            )
        for district in small:
            one = found.get(district)
            n = one["n"] if one else 0
            n_eff = one["effective_n"] if one else 0.0
            deff = one["design_effect"] if one else None
            if fit is None or not np.isfinite(fit.estimates[areas.index(district)]):
                rows.append(
                    _withheld(
                        basis, question, choice, DISTRICT, district, n, n_eff, deff, REASON_NO_MODEL
                    )
                )
                continue
            i = areas.index(district)
            rows.append(
                _row(
                    basis,
                    question,
                    choice,
                    DISTRICT,
                    district,
                    n=n,
                    effective_n=n_eff,
                    design_effect=deff,
                    method=Method.MODEL,
                    value=float(fit.estimates[i]),
                    standard_error=float(np.sqrt(fit.mse[i])),
                    low=float(fit.low[i]),
                    high=float(fit.high[i]),
                    reason="",
                )
            )
    return rows


def weigh_and_estimate(
    data: WaveData,
    population: Mapping[str, Mapping[str, Mapping[str, int]]],
    *,
    min_effective_n: float,
    trimming: Mapping[str, float | None] | None = None,
    previous: Mapping[str, Mapping[tuple, float]] | None = None,
    progress=lambda step: None,
) -> list[BasisResult]:
    """Rake each basis's respondents to the margins and estimate every measure by every domain.
    `previous`: per basis, the previous wave's district figures {(measure, choice, district):
    value}, a covariate of the small-area model."""
    if data.respondents.height == 0:
        raise ResultsError("The wave has no responses to weight.")
    margins, districts, notes = build_margins(population, data.variables)
    known = set(districts)
    strays = (
        data.respondents.filter(
            pl.col(DISTRICT).is_not_null() & ~pl.col(DISTRICT).is_in(sorted(known))
        )
        .get_column(DISTRICT)
        .unique()
        .sort()
        .to_list()
    )
    if strays:
        raise ResultsError(
            f"Responses come from districts with no population margin: {', '.join(strays)}. "
            "Import their margins first."
        )
    renters = {
        d: population[d]["tenure"].get("renter", 0) / max(sum(population[d]["tenure"].values()), 1)
        for d in districts
        if population[d].get("tenure")
    }
    settings = (
        Trimming(**{k: v for k, v in (trimming or {}).items() if v is not None})
        if trimming
        else None
    )
    results = []
    domains = [DISTRICT, *data.variables]
    for basis, (people, from_design) in _basis_frames(data).items():
        progress(f"raking:{basis}")
        n = people.height
        if basis == Basis.UNWEIGHTED:
            weights = np.ones(n)
            report = {"respondents": n, "design_effect": 1.0, "effective_n": float(n)}
        else:
            design = people.get_column("design_weight").to_numpy() if from_design else None
            raked = rake(
                people.select([m.variable for m in margins]), margins, design, trimming=settings
            )
            weights = raked.weights
            report = _json_rake(raked, margins, notes, dict(trimming or {}))
        progress(f"estimating:{basis}")
        respondents = people.with_columns(
            weight=pl.Series(weights), stratum=pl.col(DISTRICT).fill_null(NO_DISTRICT)
        ).with_columns(pl.col(DISTRICT).fill_null(NO_DISTRICT))
        ids = respondents.get_column("respondent")
        answers = pl.concat(
            [
                data.answers.filter(pl.col("respondent").is_in(ids.implode())),
                _index_answers(data, people),
            ]
        )
        table = est.estimate_table(answers, respondents, domains=domains, min_effective_n=0.0)
        models: list[dict] = []
        rows = _estimate_rows(
            basis, table, districts=districts, min_effective_n=min_effective_n,
            ranges=data.ranges, previous=(previous or {}).get(basis, {}), renters=renters,
            models=models,
        )  # fmt: skip
        report["small_area"] = models
        results.append(
            BasisResult(
                basis=basis,
                weights=pl.DataFrame({"respondent": ids, "weight": weights}),
                report=report,
                rows=rows,
            )
        )
    return results
