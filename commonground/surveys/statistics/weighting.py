"""Raking (iterative proportional fitting) of design weights to population margins, with weight
trimming, collapsing of empty categories, a convergence report and the usual diagnostics.

Why our own raking and not a library's. Measured by `make bench` (bench/surveys.py) on
1,000,000 respondents raked on five margins (district 12, age band 6, sex 2, race/ethnicity 5,
tenure 2 categories; stratified design weights; seeded; tolerance 1e-10), every library on the
same data in the same run, best of three interleaved rounds on the shared 2-core machine, as
ratios to ours; peak RSS of a fresh process that loads the data (166 MiB alone) and rakes once:

    ours (numpy, raking the cross-classified cells)   1x        peak 274 MiB
    svy 0.35 (Rust kernel)                            13.0x     peak 389 MiB   max |dw| 4e-12
    weightipy 0.4.2 (unit weights only)               2.4x      peak 499 MiB   stops short:
                                                      "no improvement", max |dw| 1.2
    balance 0.23 (facebookresearch; numpy<2, so in    7.2x      peak 382 MiB   max |dw| 3e-11
      a virtual environment of its own, on a target
      of every combination of the categories)
    samplics 0.6 (archived: "no longer maintained";   ~150x (at 50,000 rows)   max |dw| 3e-12
      pandas-style masks per category)

svy, samplics and balance reach our weights, so the choice is about time, memory and what the
survey needs around the raking: svy rejects a respondent with a missing value and trims to
bounds, but none of them collapses an empty category into its neighbour or caps the Kish design
effect. weightipy starts every weight at 1, so it cannot rake design weights at all. The raking
itself is short: a respondent's raked weight is their design weight times one factor per margin
category they are in, so everything after coding the rows runs on the table of cross-classified
cells (at most a few thousand) rather than on the million rows: collapsing, the raking loop and
the diagnostics. The rows are coded in one polars pass (a cast to an Enum of each margin's
categories), then read to build the cells and sum their weights, and written once with their
final weights. The weights match R's `survey::rake()` to 1e-6 in
tests/statistics/test_reference.py.

Missing values. A respondent whose value for a variable is missing (null) keeps their weight in
that variable's adjustment, and the respondents who answered are raked to the margin's shares of
the population that the missing ones do not stand for (the population total less the weight of
the missing). This is the rule of the ANES raking procedure (Pasek's `anesrake`: "weights are
only adjusted on the basis of cases with valid data"), extended so the weights still add up to
the population total; it neither drops the respondent nor imputes a value.

Empty categories. A margin category that no respondent is in (or whose respondents all have a
zero design weight) cannot be met; it is merged into its neighbour in the margin's declared
order (the next one; the previous one for the last), whose population count absorbs it, and a
`CollapseWarning` says which category went where and why.

Trimming. Bounds are multiples of the mean weight (e.g. 0.2 and 5); a maximum design effect caps
1 + CV^2 of the weights. After raking converges the weights are checked; if a bound or the cap
does not hold they are trimmed (clipped to the bounds; for the cap, the largest weights are cut
to the level found by bisection that brings the design effect under the cap), and raked again,
until both hold after a rake or the cycle limit is reached. The last step is always a rake, so
the margins are met; the report says whether the bounds held too.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

# Raking on the dense table of cells is used while the table stays this small; beyond it, on
# the cells that actually occur (found with np.unique).
DENSE_CELLS = 5_000_000


class RakingError(ValueError):
    """The margins and the data cannot be raked; the message says what to fix."""


@dataclass(frozen=True)
class Margin:
    """A variable's population counts by category, in the declared order of the categories
    (the order decides which neighbour an empty category is merged into)."""

    variable: str
    population: Mapping[str, float]


@dataclass(frozen=True)
class Trimming:
    """Bounds as multiples of the mean weight, and/or a cap on the Kish design effect."""

    lower: float | None = None
    upper: float | None = None
    max_design_effect: float | None = None
    max_cycles: int = 50

    def __post_init__(self):
        if self.lower is not None and not 0 <= self.lower < 1:
            raise RakingError(f"The lower trimming bound must be in [0, 1), not {self.lower}.")
        if self.upper is not None and not self.upper > 1:
            raise RakingError(f"The upper trimming bound must be above 1, not {self.upper}.")
        if self.max_design_effect is not None and not self.max_design_effect >= 1:
            raise RakingError(
                f"A design effect is at least 1; the cap {self.max_design_effect} cannot be met."
            )


@dataclass(frozen=True)
class CollapseWarning:
    variable: str
    category: str
    merged_into: str
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.variable}: category {self.category!r} merged into {self.merged_into!r} "
            f"({self.reason})"
        )


@dataclass(frozen=True)
class MarginRow:
    variable: str
    category: str
    population_share: float
    sample_share: float
    weighted_share: float
    respondents: int


@dataclass(frozen=True)
class Convergence:
    converged: bool
    iterations: int
    max_relative_error: float
    trimming_cycles: int
    trimmed: int
    bounds_hold: bool


@dataclass(frozen=True)
class Diagnostics:
    design_effect: float
    effective_sample_size: float
    margins: list[MarginRow]


@dataclass(frozen=True)
class RakeResult:
    weights: np.ndarray
    convergence: Convergence
    diagnostics: Diagnostics
    warnings: list[CollapseWarning] = field(default_factory=list)


def kish_design_effect(weights: np.ndarray) -> float:
    """1 + CV^2 of the weights (population CV), i.e. n * sum(w^2) / sum(w)^2."""
    w = np.asarray(weights, dtype=np.float64)
    total = w.sum()
    return float(len(w) * np.dot(w, w) / (total * total)) if total > 0 else float("nan")


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective n: sum(w)^2 / sum(w^2)."""
    w = np.asarray(weights, dtype=np.float64)
    squares = np.dot(w, w)
    return float(w.sum() ** 2 / squares) if squares > 0 else 0.0


@dataclass
class _Coded:
    """One margin after checking: its targets, and per cell of the cross-classification the
    margin's category (missing = len(categories)), after and before collapsing."""

    variable: str
    categories: list[str]
    targets: np.ndarray
    cell_codes: np.ndarray
    declared: list[str]
    declared_population: np.ndarray
    declared_cell_codes: np.ndarray
    respondents: np.ndarray

    @property
    def size(self) -> int:
        return len(self.categories)


def _check_margin(data: pl.DataFrame, margin: Margin) -> tuple[list[str], np.ndarray]:
    if margin.variable not in data.columns:
        raise RakingError(f"There is no column {margin.variable!r} for the margin to rake on.")
    declared = [str(c) for c in margin.population]
    if not declared:
        raise RakingError(f"The margin {margin.variable!r} has no categories.")
    if len(set(declared)) != len(declared):
        raise RakingError(f"The margin {margin.variable!r} names a category twice.")
    population = np.array([float(margin.population[c]) for c in margin.population])
    if not np.all(np.isfinite(population)) or np.any(population < 0):
        raise RakingError(f"The margin {margin.variable!r} has a negative or unknown count.")
    return declared, population


def _encode(
    data: pl.DataFrame, margins: Sequence[Margin]
) -> list[tuple[np.ndarray, list[str], np.ndarray]]:
    """Each margin's respondent codes (the category's index in the declared order; missing =
    the number of categories), its declared categories and population counts.

    The columns are coded in one pass of polars over the frame (the columns in parallel): a cast
    to an Enum of the declared categories, whose physical codes are the indexes. A value that is
    not a category becomes null in the cast, so more nulls after it than before mean unknown
    values; only then is the column searched for them, to name them."""
    checked = [_check_margin(data, margin) for margin in margins]
    coded = data.select(
        pl.col(margin.variable)
        .cast(pl.String)
        .cast(pl.Enum(declared), strict=False)
        .to_physical()
        .fill_null(len(declared))
        .cast(pl.Int64)
        .alias(f"code{i}")
        for i, (margin, (declared, _)) in enumerate(zip(margins, checked, strict=True))
    )
    found = []
    for i, (margin, (declared, population)) in enumerate(zip(margins, checked, strict=True)):
        codes = coded.get_column(f"code{i}").to_numpy()
        column = data.get_column(margin.variable)
        if np.count_nonzero(codes == len(declared)) != column.null_count():
            column = column.cast(pl.String)
            unknown = column.filter(column.is_not_null() & ~column.is_in(declared)).unique().sort()
            shown = ", ".join(repr(v) for v in unknown.head(5).to_list())
            raise RakingError(
                f"{margin.variable}: {len(unknown)} value(s) in the responses are not categories "
                f"of the margin ({shown}); add them to the margin or recode them."
            )
        found.append((codes, declared, population))
    return found


def _code_margin(
    margin: Margin,
    declared: list[str],
    population: np.ndarray,
    cell_codes: np.ndarray,
    cells: "_Cells",
) -> tuple[_Coded, list]:
    size = len(declared)
    present = np.bincount(cell_codes, weights=cells.design, minlength=size + 1)[:size] > 0
    counts = np.rint(np.bincount(cell_codes, weights=cells.respondents, minlength=size + 1))
    counts = counts[:size].astype(np.int64)
    unpopulated = [declared[i] for i in range(size) if population[i] == 0 and counts[i] > 0]
    if unpopulated:
        raise RakingError(
            f"{margin.variable}: the population count of {', '.join(map(repr, unpopulated))} is "
            "0 but respondents are in it; correct the margin or recode those respondents."
        )
    if not present.any():
        raise RakingError(f"{margin.variable}: no respondent has a value for this variable.")
    # Each declared category goes to a group; an empty one joins its next (or, last, previous)
    # non-empty neighbour in the declared order.
    warnings = []
    group_of = np.empty(size, dtype=np.int64)
    kept = [i for i in range(size) if present[i]]
    for i in range(size):
        if present[i]:
            group_of[i] = kept.index(i)
            continue
        later = [k for k in kept if k > i]
        into = later[0] if later else kept[-1]
        group_of[i] = kept.index(into)
        if population[i] > 0:
            reason = (
                "no respondent is in it"
                if counts[i] == 0
                else "its respondents all have a design weight of 0"
            )
            warnings.append(
                CollapseWarning(margin.variable, declared[i], declared[into], reason=reason)
            )
    targets = np.bincount(group_of, weights=population, minlength=len(kept))
    missing = np.append(group_of, len(kept))
    coded = _Coded(
        variable=margin.variable,
        categories=[declared[k] for k in kept],
        targets=targets,
        cell_codes=missing[cell_codes],
        declared=declared,
        declared_population=population,
        declared_cell_codes=cell_codes,
        respondents=counts,
    )
    return coded, warnings


class _Cells:
    """The respondents' cross-classification by every margin's declared categories (and
    missing), per margin the category of each cell, and each cell's respondents and design
    weight, so that raking, collapsing and the diagnostics run on cell totals rather than on
    rows: the rows are read to build the cells and written once with their final weights."""

    def __init__(self, codes: list[np.ndarray], sizes: list[int], design: np.ndarray):
        if np.prod(sizes, dtype=np.float64) <= DENSE_CELLS:
            self.row_cell = np.ravel_multi_index(codes, sizes)
            self.count = int(np.prod(sizes))
            self.cell_codes = [c.ravel() for c in np.unravel_index(np.arange(self.count), sizes)]
        else:
            stacked = np.stack(codes, axis=1)
            unique, self.row_cell = np.unique(stacked, axis=0, return_inverse=True)
            self.row_cell = self.row_cell.ravel()
            self.count = len(unique)
            self.cell_codes = [unique[:, k] for k in range(len(codes))]
        self.respondents = np.bincount(self.row_cell, minlength=self.count).astype(np.float64)
        self.design = self.totals(design)

    def totals(self, weights: np.ndarray) -> np.ndarray:
        return np.bincount(self.row_cell, weights=weights, minlength=self.count)


def _ipf(
    cell_weights: np.ndarray,
    cells: _Cells,
    margins: list[_Coded],
    tolerance: float,
    max_iterations: int,
) -> tuple[np.ndarray, int, float, bool]:
    """Cell factors that rake the cell totals to the margins; iterations, the largest relative
    margin error left, and whether it is within the tolerance."""
    factors = np.ones_like(cell_weights)
    current = cell_weights.copy()
    population = margins[0].targets.sum()
    error = np.inf
    for iteration in range(1, max_iterations + 1):
        error = 0.0
        for margin in margins:
            codes = margin.cell_codes
            sums = np.bincount(codes, weights=current, minlength=margin.size + 1)
            observed, missing = sums[: margin.size], sums[margin.size]
            # The respondents with a value stand for the population the missing do not.
            targets = margin.targets * ((population - missing) / population)
            with np.errstate(divide="ignore", invalid="ignore"):
                error = _worse(error, np.max(np.abs(observed - targets) / targets))
                ratio = np.where(observed > 0, targets / observed, 1.0)
            step = np.append(ratio, 1.0)[codes]
            factors *= step
            current *= step
        if error <= tolerance:
            return factors, iteration, error, True
    return factors, max_iterations, _margin_error(current, cells, margins), False


def _margin_error(cell_weights: np.ndarray, cells: _Cells, margins: list[_Coded]) -> float:
    population = margins[0].targets.sum()
    error = 0.0
    for margin in margins:
        sums = np.bincount(margin.cell_codes, weights=cell_weights, minlength=margin.size + 1)
        targets = margin.targets * ((population - sums[margin.size]) / population)
        error = _worse(error, np.max(np.abs(sums[: margin.size] - targets) / targets))
    return error


def _worse(error: float, found) -> float:
    """The larger margin error, where an unknown one (NaN) is the worst: Python's max() would
    keep the first and call a raking that lost its weights converged."""
    found = float(found)
    return found if not found <= error else error


def _cap_for_design_effect(weights: np.ndarray, cap: float) -> float:
    """The level at which cutting the largest weights (keeping their total) brings the Kish
    design effect to the cap; found by bisection on the level. The search starts at the smallest
    positive weight, where every positive weight is cut to the same level (the lowest design
    effect cutting can reach): from 0, respondents with a design weight of 0 would let it cut
    every weight to nothing."""
    total = weights.sum()

    def deff_at(level: float) -> float:
        cut = np.minimum(weights, level)
        return kish_design_effect(cut * (total / cut.sum()))

    low, high = float(weights[weights > 0].min()), float(weights.max())
    for _ in range(100):
        middle = (low + high) / 2
        if deff_at(middle) > cap:
            high = middle
        else:
            low = middle
        if high - low <= 1e-12 * high:
            break
    return low


def _trim(weights: np.ndarray, trimming: Trimming) -> tuple[np.ndarray, np.ndarray]:
    """Trimmed weights (same total) and which respondents were cut."""
    total = weights.sum()
    mean = total / len(weights)
    lower = trimming.lower * mean if trimming.lower is not None else 0.0
    upper = trimming.upper * mean if trimming.upper is not None else np.inf
    if trimming.max_design_effect is not None:
        upper = min(upper, _cap_for_design_effect(weights, trimming.max_design_effect))
    trimmed = np.clip(weights, lower, upper)
    return trimmed * (total / trimmed.sum()), (weights < lower) | (weights > upper)


def _bounds_hold(weights: np.ndarray, trimming: Trimming, slack: float) -> bool:
    mean = weights.mean()
    if trimming.lower is not None and weights.min() < trimming.lower * mean * (1 - slack):
        return False
    if trimming.upper is not None and weights.max() > trimming.upper * mean * (1 + slack):
        return False
    return not (
        trimming.max_design_effect is not None
        and kish_design_effect(weights) > trimming.max_design_effect * (1 + slack)
    )


def _diagnostics(weights: np.ndarray, cells: _Cells, margins: list[_Coded]) -> Diagnostics:
    rows = []
    cell_weights = cells.totals(weights)
    for margin in margins:
        size = len(margin.declared)
        counts = margin.respondents
        weighted = np.bincount(
            margin.declared_cell_codes, weights=cell_weights, minlength=size + 1
        )[:size]
        population_total = margin.declared_population.sum()
        answered_n = max(int(counts.sum()), 1)
        weighted_total = weighted.sum() or 1.0
        for i, category in enumerate(margin.declared):
            rows.append(
                MarginRow(
                    variable=margin.variable,
                    category=category,
                    population_share=float(margin.declared_population[i] / population_total),
                    sample_share=float(counts[i] / answered_n),
                    weighted_share=float(weighted[i] / weighted_total),
                    respondents=int(counts[i]),
                )
            )
    return Diagnostics(
        design_effect=kish_design_effect(weights),
        effective_sample_size=effective_sample_size(weights),
        margins=rows,
    )


def rake(
    data: pl.DataFrame | Mapping[str, Sequence],
    margins: Sequence[Margin],
    design_weights: np.ndarray | Sequence[float] | None = None,
    *,
    trimming: Trimming | None = None,
    tolerance: float = 1e-10,
    max_iterations: int = 1000,
) -> RakeResult:
    """Rake the design weights (1 for every respondent if None) so that the weighted counts of
    each margin's categories equal its population counts.

    `data` has one row per respondent and a column per margin variable (values are compared as
    strings; null is missing). Margins must describe the same population (equal totals, to 1e-6
    relative). Raises RakingError with a message for the analyst when the input cannot be raked.
    """
    frame = data if isinstance(data, pl.DataFrame) else pl.DataFrame(dict(data))
    n = frame.height
    if n == 0:
        raise RakingError("There are no respondents to weight.")
    if not margins:
        raise RakingError("Raking needs at least one margin.")
    if len({m.variable for m in margins}) != len(margins):
        raise RakingError("Two margins are for the same variable.")
    design = np.ones(n) if design_weights is None else np.asarray(design_weights, dtype=np.float64)
    if design.shape != (n,):
        raise RakingError(f"There are {n} respondents but {design.size} design weights.")
    if not np.all(np.isfinite(design)) or np.any(design < 0) or not design.sum() > 0:
        raise RakingError("Design weights must be finite, not negative, and not all 0.")

    encoded = _encode(frame, margins)
    cells = _Cells(
        [codes for codes, _, _ in encoded],
        [len(declared) + 1 for _, declared, _ in encoded],
        design,
    )
    coded, warnings = [], []
    for margin, (_, declared, population), cell_codes in zip(
        margins, encoded, cells.cell_codes, strict=True
    ):
        one, said = _code_margin(margin, declared, population, cell_codes, cells)
        coded.append(one)
        warnings += said
    del encoded  # the rows' codes: the cells hold what raking needs of them
    totals = {m.variable: float(m.targets.sum()) for m in coded}
    low, high = min(totals.values()), max(totals.values())
    if high - low > 1e-6 * high:
        shown = ", ".join(f"{k} {v:,.0f}" for k, v in totals.items())
        raise RakingError(f"The margins describe populations of different sizes: {shown}.")

    weights = design
    trimmed_ever = np.zeros(n, dtype=bool)
    factors, iterations, error, converged = _ipf(
        cells.totals(weights), cells, coded, tolerance, max_iterations
    )
    weights = weights * factors[cells.row_cell]
    cycles = 0
    bounds_hold = True
    if trimming is not None:
        slack = 1e-6
        bounds_hold = _bounds_hold(weights, trimming, slack)
        while not bounds_hold and cycles < trimming.max_cycles:
            cycles += 1
            weights, cut = _trim(weights, trimming)
            trimmed_ever |= cut
            factors, more, error, converged = _ipf(
                cells.totals(weights), cells, coded, tolerance, max_iterations
            )
            iterations += more
            weights = weights * factors[cells.row_cell]
            bounds_hold = _bounds_hold(weights, trimming, slack)
    return RakeResult(
        weights=weights,
        convergence=Convergence(
            converged=converged and bounds_hold,
            iterations=iterations,
            max_relative_error=error,
            trimming_cycles=cycles,
            trimmed=int(trimmed_ever.sum()),
            bounds_hold=bounds_hold,
        ),
        diagnostics=_diagnostics(weights, cells, coded),
        warnings=warnings,
    )
