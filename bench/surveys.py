"""The surveys' statistics at scale: raking a million responses against the reference libraries
on the same data, and a wave's full estimate table against a bare polars group-by of its cells.

`python -m bench.run surveys` (or the surveys phase of a whole `make bench`):

1. A child process draws N respondents (default 1,000,000; seeded) with five weighting
   variables (district 12 categories, age band 6, sex 2, race/ethnicity 5, tenure 2), drawn
   from shares unlike the population's so raking has work to do, a design weight each (the
   district's sampling fraction times a nonresponse factor), and population margins with one
   total; it writes them to Parquet and JSON in a temporary folder, so every library rakes the
   same data. It also draws the estimate table's wave (default 100,000 respondents): the
   weighting variables, contact with police, raked-looking weights, and the answers to a
   wave's questionnaire (agreement items, yes/no, the top problem, a multiple choice with a
   row per ticked choice, a 0-10 number, and the demographic questions themselves) as the
   long frame `estimate_table` reads.
2. A second child rakes the million in interleaved rounds after one untimed warm-up each:
     ours       `commonground.surveys.statistics.weighting.rake` on the polars frame;
     svy        svy's `Sample(...).weighting.rake` (a Rust kernel), the design weight as the
                design's weight;
     weightipy  weightipy's RIM scheme; it starts every weight at 1 and cannot rake design
                weights, so it rakes unit weights and is compared with ours on unit weights
                (both scaled to the same total);
     balance    facebookresearch's `balance.weighting_methods.rake.rake`, in a virtual
                environment of its own (below), on an exact target;
     samplics   (only when named with --surveys-references: about a minute and a half per
                run on the 2-core machine) SampleWeight.rake, pandas-style masks per category.
   Each library is timed from the same polars frame to an array of weights (its own
   conversions included; balance from its pandas frame), at tolerance 1e-10 where it takes
   one. The best round is kept and each reference is reported as a ratio to ours, with the
   largest absolute difference between its weights and ours. Goal, for each reference that
   rakes the design weights (svy, balance, samplics): at least 5x ours, and at most 1e-6
   apart.

   balance requires numpy<2, scipy<1.14 and scikit-learn<1.4 on Python 3.11, and the project
   numpy 2 and scipy>=1.15: it cannot be installed beside the project. The first run that
   measures it makes var/bench/balance-venv with `python -m venv` and has its pip install
   balance>=0.23 there (pip picks numpy<2 and the rest), and later runs reuse it; when that
   fails (no network), balance is reported as not measured, with pip's reason. Its
   environment has no pyarrow, so the generating child also writes the respondents as
   numpy arrays (balance.npz: each variable's category codes, in margins.json's order, and
   the design weights), and bench/balance_rake.py, run by that environment's python, builds
   a pandas frame of the string categories from them. It stays alive through the rounds,
   raking once per request and timing itself, so its rounds interleave with the others'.
   balance's `target_margins=` realises the margins as at most 10,000 synthetic rows, which
   misses them by up to 1e-3; it is given instead a target of every combination of the
   categories (1,440 rows) weighted by the total times the product of the categories'
   population shares, whose margins are exactly the population's, with no transformation,
   convergence rate 1e-10 and no rate tolerance. It returns the weights indexed like the
   sample (it merges the rows with its cells and sets the index back), read in that order.
3. A third child times `estimate_table` (every question x choice x the whole population and
   every value of district, age band, sex, race/ethnicity, tenure and stopped by police) against
   the bare group-by: the answers joined to the respondents and, per domain variable, grouped
   by question, choice and domain value with a weighted sum, a weighted sum of the values and a
   count: the same cells with no variance, interval or check.
4. Fresh children run one thing once and read their own peak RSS (bench.memory): the data
   loaded and nothing run, each raking (balance's in its own environment, with its pandas
   frame), and the estimate table and the bare group-by.

Ratios, not absolute times, are what this reports: the 2-core machine is shared.
"""

import contextlib
import io
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.memory import read_reply, reply

GOAL_SPEEDUP = 5.0
GOAL_DIFFERENCE = 1e-6
DEFAULT_RESPONSES = 1_000_000
DEFAULT_TABLE_RESPONSES = 100_000
DEFAULT_ROUNDS = 3
DEFAULT_REFERENCES = ("svy", "weightipy", "balance")
REFERENCES = ("svy", "weightipy", "samplics", "balance")
# The references that rake the design weights, and so are held to the goal.
GOAL_REFERENCES = ("svy", "samplics", "balance")
TOLERANCE = 1e-10
SEED = 2025
POPULATION = 2_400_000
BASE_DIR = Path(__file__).resolve().parent.parent
# balance requires numpy<2 on Python 3.11 and the project numpy 2: it gets a virtual environment
# of its own, made the first time it is measured and kept (var/ is not in git).
BALANCE_VENV = BASE_DIR / "var" / "bench" / "balance-venv"
BALANCE_REQUIREMENT = "balance>=0.23"

# The five weighting variables and their categories (the codes of surveys.categories, written
# out so the children need no Django settings).
VARIABLES = {
    "district": [f"D{i:02d}" for i in range(1, 13)],
    "age_band": ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"],
    "sex": ["female", "male"],
    "race_ethnicity": ["asian/pacific islander", "black", "hispanic", "white", "other"],
    "tenure": ["owner", "renter"],
}
DOMAINS = [*VARIABLES, "contact_stopped"]
AGREEMENT = ["1", "2", "3", "4", "5"]
PROBLEMS = ["speeding", "drugs", "break_ins", "noise", "litter", "violence", "other"]
# question -> its choices (None: a number from 0 to 10); multiple choice marked separately.
QUESTIONS = {
    **{
        q: AGREEMENT
        for q in (
            "trust.respect",
            "trust.listen",
            "trust.fair",
            "trust.do_right",
            "safety.day",
            "safety.night",
        )
    },
    "problem.top": PROBLEMS,
    "problem.all": PROBLEMS,
    "contact.stopped": ["yes", "no"],
    "contact.called": ["yes", "no"],
    "contact.complaint": ["yes", "no"],
    "satisfaction": None,
    **{f"demographics.{v}": categories for v, categories in VARIABLES.items()},
}
MULTIPLE = {"problem.all"}
LABELS = {
    "ours": "ours (weighting.rake)",
    "svy": "svy",
    "weightipy": "weightipy (unit weights)",
    "samplics": "samplics",
    "balance": "balance (exact target)",
}


def log_default(message: str) -> None:
    print(message, flush=True)


# --- Data --------------------------------------------------------------------------------------


def _shares(rng: np.random.Generator, size: int, concentration: float) -> np.ndarray:
    return rng.dirichlet(np.full(size, concentration))


def draw_respondents(rng: np.random.Generator, n: int):
    """n respondents with the five variables, each drawn from its own skewed shares."""
    import polars as pl

    columns = {}
    for variable, categories in VARIABLES.items():
        shares = _shares(rng, len(categories), 4.0)
        columns[variable] = pl.Series(
            variable, np.asarray(categories)[rng.choice(len(categories), n, p=shares)]
        )
    return pl.DataFrame(columns)


def draw_margins(rng: np.random.Generator) -> dict[str, dict[str, float]]:
    """Population counts per variable, whole numbers adding up to POPULATION for every one."""
    margins = {}
    for variable, categories in VARIABLES.items():
        counts = np.floor(_shares(rng, len(categories), 6.0) * POPULATION)
        counts[0] += POPULATION - counts.sum()
        margins[variable] = dict(zip(categories, counts.tolist(), strict=True))
    return margins


def design_weights(rng: np.random.Generator, district: np.ndarray) -> np.ndarray:
    """A stratified design's weights: one inverse sampling fraction per district, times a
    nonresponse adjustment per respondent."""
    codes = np.searchsorted(VARIABLES["district"], district)
    per_district = rng.uniform(1.5, 4.0, len(VARIABLES["district"]))
    return per_district[codes] * rng.uniform(0.8, 1.25, len(district))


def generate_raking(directory: Path, n: int, for_balance: bool) -> dict:
    import polars as pl

    rng = np.random.default_rng(SEED)
    started = time.perf_counter()
    frame = draw_respondents(rng, n)
    frame = frame.with_columns(
        design_weight=pl.Series(design_weights(rng, frame.get_column("district").to_numpy()))
    )
    margins = draw_margins(rng)
    frame.write_parquet(directory / "raking.parquet")
    (directory / "margins.json").write_text(json.dumps(margins))
    if for_balance:
        write_for_balance(directory, frame, margins)
    return {"seconds": round(time.perf_counter() - started, 2), "rows": frame.height}


def write_for_balance(directory: Path, frame, margins: dict) -> None:
    """The same respondents for balance's environment, which has no pyarrow to read Parquet:
    each variable as the index of its category in margins.json's order, and the design weights,
    in one numpy file (bench/balance_rake.py builds its pandas frame from them)."""
    import polars as pl

    codes = frame.select(
        pl.col(variable).cast(pl.Enum(list(categories))).to_physical()
        for variable, categories in margins.items()
    )
    np.savez(
        directory / "balance.npz",
        design_weight=frame.get_column("design_weight").to_numpy(),
        **{variable: codes.get_column(variable).to_numpy() for variable in margins},
    )


def draw_wave(rng: np.random.Generator, n: int):
    """A wave's respondents (weights, strata, domains) and their answers as a long frame."""
    import polars as pl

    people = draw_respondents(rng, n).with_row_index("respondent")
    stopped = np.where(rng.random(n) < 0.1, "yes", "no")
    weights = design_weights(rng, people.get_column("district").to_numpy()) * rng.lognormal(
        0, 0.3, n
    )
    people = people.with_columns(
        contact_stopped=pl.Series(stopped),
        weight=pl.Series(weights),
        stratum=pl.col("district"),
    )
    respondent = people.get_column("respondent").to_numpy()
    parts = []
    for question, choices in QUESTIONS.items():
        answered = rng.random(n) >= 0.03
        if question.startswith("demographics."):
            value = people.get_column(question.split(".", 1)[1]).to_numpy()
            ids, chosen = respondent[answered], value[answered]
        elif question == "contact.stopped":
            ids, chosen = respondent[answered], stopped[answered]
        elif question in MULTIPLE:
            ticked = rng.random((n, len(choices))) < 0.3
            ticked[answered & ~ticked.any(axis=1), 0] = True
            ticked[~answered] = False
            rows, columns = np.nonzero(ticked)
            ids, chosen = respondent[rows], np.asarray(choices)[columns]
        elif choices is None:
            values = np.clip(np.round(rng.normal(6, 2.2, n)), 0, 10)
            parts.append(
                pl.DataFrame(
                    {
                        "respondent": respondent[answered],
                        "question": question,
                        "choice": pl.Series([None] * int(answered.sum()), dtype=pl.String),
                        "value": values[answered],
                    }
                )
            )
            continue
        else:
            shares = _shares(rng, len(choices), 3.0)
            drawn = np.asarray(choices)[rng.choice(len(choices), n, p=shares)]
            ids, chosen = respondent[answered], drawn[answered]
        parts.append(
            pl.DataFrame(
                {
                    "respondent": ids,
                    "question": question,
                    "choice": chosen,
                    "value": pl.Series([None] * len(ids), dtype=pl.Float64),
                }
            )
        )
    answers = pl.concat(parts).with_columns(pl.col("respondent").cast(pl.UInt32))
    return people, answers


def generate_wave(directory: Path, n: int) -> dict:
    rng = np.random.default_rng(SEED + 1)
    started = time.perf_counter()
    people, answers = draw_wave(rng, n)
    people.write_parquet(directory / "people.parquet")
    answers.write_parquet(directory / "answers.parquet")
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "respondents": people.height,
        "answers": answers.height,
    }


def load_raking(directory: Path):
    import polars as pl

    frame = pl.read_parquet(directory / "raking.parquet")
    margins = json.loads((directory / "margins.json").read_text())
    return frame, margins


def load_wave(directory: Path):
    import polars as pl

    return pl.read_parquet(directory / "people.parquet"), pl.read_parquet(
        directory / "answers.parquet"
    )


# --- Raking ------------------------------------------------------------------------------------


def rake_ours(frame, margins: dict, unit: bool = False) -> tuple[np.ndarray, bool]:
    from commonground.surveys.statistics.weighting import Margin, rake

    design = None if unit else frame.get_column("design_weight").to_numpy()
    result = rake(
        frame.select(*VARIABLES),
        [Margin(variable, population) for variable, population in margins.items()],
        design,
        tolerance=TOLERANCE,
    )
    return result.weights, result.convergence.converged


def rake_svy(frame, margins: dict) -> tuple[np.ndarray, bool]:
    import svy

    sample = svy.Sample(frame.select(*VARIABLES, "design_weight"), svy.Design(wgt="design_weight"))
    raked = sample.weighting.rake(
        controls=margins, tol=TOLERANCE, max_iter=1000, wgt_name="raked_weight"
    )
    # svy raises when raking does not converge (on_nonconvergence="error").
    return raked.data.get_column("raked_weight").to_numpy(), True


def rake_weightipy(frame, margins: dict) -> tuple[np.ndarray, bool]:
    import weightipy

    targets = {
        variable: {category: count / POPULATION * 100 for category, count in counts.items()}
        for variable, counts in margins.items()
    }
    scheme = weightipy.scheme_from_dict(
        targets, rim_params={"convcrit": 1e-9, "max_iterations": 1000}
    )
    # weightipy prints, rather than warns, when it stops short of its convergence criterion.
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        weights = weightipy.weight(frame.select(*VARIABLES).to_pandas(), scheme).to_numpy()
    converged = "partial convergence" not in printed.getvalue()
    return weights * (POPULATION / weights.sum()), converged


def rake_samplics(frame, margins: dict) -> tuple[np.ndarray, bool]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "archived, no longer maintained"
        from samplics.weighting import SampleWeight

        weights = SampleWeight().rake(
            samp_weight=frame.get_column("design_weight").to_numpy(),
            margins={v: frame.get_column(v).to_numpy() for v in VARIABLES},
            control=margins,
            tol=TOLERANCE,
            ctrl_tol=TOLERANCE,
            max_iter=1000,
        )
    return np.asarray(weights, dtype=np.float64), True


RAKERS = {
    "ours": rake_ours,
    "ours_unit": lambda frame, margins: rake_ours(frame, margins, unit=True),
    "svy": rake_svy,
    "weightipy": rake_weightipy,
    "samplics": rake_samplics,
}
# samplics is timed once, without a warm-up: a run takes a minute and more.
SLOW = {"samplics"}


class BalanceFailed(RuntimeError):
    """balance could not rake; the message says why."""


class BalanceProcess:
    """balance raking in its own environment's python (bench/balance_rake.py), which loads the
    data once and rakes on each request, timing itself: so its rounds interleave with the other
    libraries' as theirs do with each other. The first run writes its weights."""

    def __init__(self, python: str, directory: Path):
        self.process = subprocess.Popen(
            [python, "-m", "bench.balance_rake", "serve", str(directory)],
            cwd=BASE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def __call__(self) -> tuple[None, bool, float]:
        try:
            self.process.stdin.write("rake\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            raise BalanceFailed(f"its process ended (exit code {self.process.wait()})") from None
        line = self.process.stdout.readline()
        if not line:
            raise BalanceFailed(f"its process ended (exit code {self.process.wait()})")
        answer = json.loads(line)
        if "error" in answer:
            raise BalanceFailed(answer["error"])
        return None, answer["converged"], answer["seconds"]

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError):  # it ended already
            self.process.stdin.close()
        self.process.wait()


def in_process(name: str, frame, margins: dict):
    def run() -> tuple[np.ndarray, bool, float]:
        started = time.perf_counter()
        weights, converged = RAKERS[name](frame, margins)
        return weights, converged, time.perf_counter() - started

    return run


def raking_timings(
    directory: Path, names: list[str], rounds: int, balance_python: str | None
) -> dict:
    frame, margins = load_raking(directory)
    runners = {
        name: BalanceProcess(balance_python, directory)
        if name == "balance"
        else in_process(name, frame, margins)
        for name in names
    }
    seconds: dict[str, list[float]] = {name: [] for name in names}
    converged: dict[str, bool] = {}
    failed: dict[str, str] = {}

    def run(name: str, *, keep: bool, timed: bool) -> None:
        if name in failed:
            return
        try:
            weights, converged[name], taken = runners[name]()
        except BalanceFailed as error:
            failed[name] = str(error)
            return
        if keep and weights is not None:
            np.save(directory / f"weights-{name}.npy", weights)
        if timed:
            seconds[name].append(taken)

    try:
        for name in names:  # warm-up, and the weights compared
            if name not in SLOW:
                run(name, keep=True, timed=False)
        fast = [name for name in names if name not in SLOW]
        for round_ in range(rounds):
            shift = round_ % len(fast)
            for name in fast[shift:] + fast[:shift]:
                run(name, keep=False, timed=True)
        for name in names:
            if name in SLOW:
                run(name, keep=True, timed=True)
    finally:
        if "balance" in runners:
            runners["balance"].close()
    return {
        "seconds": {name: s for name, s in seconds.items() if name not in failed},
        "converged": converged,
        "failed": failed,
    }


def versions(names: list[str]) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = ""
    return found


# --- The estimate table ------------------------------------------------------------------------


def bare_cells(answers, people):
    """The estimate table's cells, each with a weighted count, a weighted sum and a count, and
    nothing else: the floor of any estimate over them."""
    import polars as pl

    joined = answers.join(people, on="respondent", how="left")
    w = pl.col("weight")
    parts = []
    for variable in ["all", *DOMAINS]:
        key = pl.lit("all") if variable == "all" else pl.col(variable)
        parts.append(
            joined.group_by("question", "choice", key.alias("domain_value"))
            .agg(
                weighted=w.sum(),
                weighted_value=(w * pl.col("value")).sum(),
                n=pl.len(),
            )
            .with_columns(domain_variable=pl.lit(variable))
        )
    return pl.concat(parts)


def run_table(answers, people):
    from commonground.surveys.statistics.estimates import estimate_table

    return estimate_table(answers, people, domains=DOMAINS, min_effective_n=30)


def table_timings(directory: Path, rounds: int) -> dict:
    people, answers = load_wave(directory)
    runs = {
        "bare": lambda: bare_cells(answers, people),
        "table": lambda: run_table(answers, people),
    }
    table = runs["table"]()
    bare = runs["bare"]()
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for round_ in range(rounds):
        order = list(runs) if round_ % 2 == 0 else list(reversed(runs))
        for name in order:
            started = time.perf_counter()
            runs[name]()
            seconds[name].append(time.perf_counter() - started)
    return {
        "seconds": seconds,
        "estimates": table.height,
        "withheld": table.get_column("withheld").is_not_null().sum(),
        "bare_cells": bare.height,
        "questions": answers.get_column("question").n_unique(),
    }


# --- Child processes ---------------------------------------------------------------------------


def once(directory: Path, what: str) -> dict:
    """Run one thing once, for its peak memory, after loading its data."""
    if what in ("wave", "table", "bare"):
        people, answers = load_wave(directory)
        if what == "table":
            run_table(answers, people)
        elif what == "bare":
            bare_cells(answers, people)
        return {}
    frame, margins = load_raking(directory)
    if what != "data":
        RAKERS[what](frame, margins)
    return {}


def _installed_balance(python: Path) -> str:
    """balance's version in its environment, or "" when it is not installed there."""
    try:
        found = subprocess.run(
            [python, "-c", "from importlib.metadata import version; print(version('balance'))"],
            capture_output=True,
            text=True,
        )
    except OSError:
        return ""
    return found.stdout.strip() if found.returncode == 0 else ""


def prepare_balance(log=log_default) -> tuple[str | None, str]:
    """The python of balance's own virtual environment and balance's version, the environment
    made and balance installed the first time; or None and why balance cannot be measured."""
    python = BALANCE_VENV / "bin" / "python"
    installed = _installed_balance(python)
    if installed:
        return str(python), installed
    where = BALANCE_VENV.relative_to(BASE_DIR)
    log(f"  installing balance in its own environment ({where}; once, a minute or two)…")
    started = time.perf_counter()
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", BALANCE_VENV], check=True, capture_output=True, text=True
        )
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", BALANCE_REQUIREMENT],
            check=True,
            capture_output=True,
            text=True,
            timeout=30 * 60,
        )
    except subprocess.CalledProcessError as error:
        said = (error.stderr or "").strip().splitlines()
        errors = [line for line in said if line.startswith("ERROR")]
        reason = (errors or said or [f"exit code {error.returncode}"])[0]
        return None, f"{BALANCE_REQUIREMENT} could not be installed in {where}: {reason}"
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, f"{BALANCE_REQUIREMENT} could not be installed in {where}: {error}"
    installed = _installed_balance(python)
    if not installed:
        return None, f"pip installed {BALANCE_REQUIREMENT} in {where}, but balance is not there"
    log(f"  balance {installed} installed in {time.perf_counter() - started:.0f}s")
    return str(python), installed


def child_main(argv: list[str]) -> None:
    # The answer is the only thing on stdout: what a library prints goes to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        result = child_result(argv)
    reply(result)


def child_result(argv: list[str]) -> dict:
    command, directory = argv[0], Path(argv[1])
    if command == "generate":
        result = {
            "raking": generate_raking(directory, int(argv[2]), "balance" in argv[4].split(",")),
            "wave": generate_wave(directory, int(argv[3])),
        }
    elif command == "rake":
        result = raking_timings(directory, argv[3].split(","), int(argv[2]), argv[4])
    elif command == "table":
        result = table_timings(directory, int(argv[2]))
    else:
        result = once(directory, argv[2])
    return result


def child(*args, python: str = sys.executable, module: str = "bench.surveys") -> tuple[dict, int]:
    """Run `python -m MODULE ARGS`; its JSON answer and its peak RSS in bytes."""
    process = subprocess.Popen(
        [python, "-m", module, *map(str, args)],
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    output = process.stdout.read()
    process.wait()
    if process.returncode:
        raise RuntimeError(f"{module} {args[0]} failed with exit code {process.returncode}")
    return read_reply(output)


# --- The phase ---------------------------------------------------------------------------------


def measure_surveys(
    directory: Path,
    log=log_default,
    *,
    responses: int = DEFAULT_RESPONSES,
    table_responses: int = DEFAULT_TABLE_RESPONSES,
    rounds: int = DEFAULT_ROUNDS,
    references: tuple[str, ...] = DEFAULT_REFERENCES,
) -> dict:
    unknown = sorted(set(references) - set(REFERENCES))
    if unknown:
        raise RuntimeError(f"unknown reference {', '.join(unknown)}; known: {REFERENCES}")
    started = time.perf_counter()
    # A reference named but not measured, and why: the result says so rather than a figure.
    unmeasured: dict[str, str] = {}
    balance_python = None
    library = versions([n for n in references if n != "balance"])
    if "balance" in references:
        balance_python, said = prepare_balance(log)
        if balance_python is None:
            log(f"  balance not measured: {said}")
            unmeasured["balance"] = said
        else:
            library["balance"] = said
    references = tuple(name for name in references if name not in unmeasured)
    log(
        f"Surveys: drawing {responses:,} respondents to rake and a wave of "
        f"{table_responses:,} to estimate"
    )
    made, _ = child("generate", directory, responses, table_responses, ",".join(references) or "-")
    log(f"  drawn in {made['raking']['seconds']}s and {made['wave']['seconds']}s")

    names = ["ours", *references]
    if "weightipy" in references:
        names.insert(1, "ours_unit")
    log(f"  raking with {', '.join(names)}: best of {rounds} interleaved rounds")
    raked, _ = child("rake", directory, rounds, ",".join(names), balance_python or "-")
    for name, reason in raked["failed"].items():
        log(f"  {name} not measured: {reason}")
        unmeasured[name] = reason
    references = tuple(name for name in references if name not in unmeasured)
    names = [name for name in names if name not in unmeasured]
    best = {name: min(values) for name, values in raked["seconds"].items()}
    ours = np.load(directory / "weights-ours.npy")
    ours_unit = np.load(directory / "weights-ours_unit.npy") if "ours_unit" in names else None
    raking = {}
    for name in ["ours", *references]:
        weights = np.load(directory / f"weights-{name}.npy")
        compared_with = ours_unit if name == "weightipy" else ours
        raking[name] = {
            "version": library.get(name, ""),
            "best_seconds": round(best[name], 3),
            "median_seconds": round(statistics.median(raked["seconds"][name]), 3),
            "runs_seconds": [round(s, 3) for s in raked["seconds"][name]],
            "ratio_to_ours": round(
                best[name] / best["ours_unit" if name == "weightipy" else "ours"], 2
            ),
            "max_abs_difference": float(np.max(np.abs(weights - compared_with))),
            "converged": raked["converged"][name],
        }
        if name in GOAL_REFERENCES:
            raking[name]["goal_met"] = (
                raking[name]["ratio_to_ours"] >= GOAL_SPEEDUP
                and raking[name]["max_abs_difference"] <= GOAL_DIFFERENCE
            )
    if "ours_unit" in names:
        raking["ours_unit"] = {"best_seconds": round(best["ours_unit"], 3)}

    log(f"  timing the estimate table and the bare group-by, best of {rounds} rounds")
    table, _ = child("table", directory, rounds)
    table_best = {name: min(values) for name, values in table["seconds"].items()}

    log("  peak memory, one fresh process each")
    peaks = {}
    for what in ["data", *[n for n in names if n != "ours_unit"], "wave", "table", "bare"]:
        if what == "balance":
            _answer, peaks[what] = child(
                "once", directory, python=balance_python, module="bench.balance_rake"
            )
        else:
            _answer, peaks[what] = child("once", directory, what)
    for name in ["ours", *references]:
        raking[name]["peak_rss_bytes"] = peaks[name]
        raking[name]["peak_ratio_to_ours"] = round(peaks[name] / peaks["ours"], 2)

    held = [raking[name]["goal_met"] for name in references if name in GOAL_REFERENCES]
    return {
        "responses": responses,
        "margins": {v: len(c) for v, c in VARIABLES.items()},
        "tolerance": TOLERANCE,
        "rounds": rounds,
        "raking": raking,
        "raking_data_peak_rss_bytes": peaks["data"],
        "goal_speedup": GOAL_SPEEDUP,
        "goal_difference": GOAL_DIFFERENCE,
        # Met when every reference measured that rakes the design weights is that much slower
        # and reaches our weights (weightipy cannot rake them).
        "goal_met": bool(held) and all(held),
        "unmeasured": unmeasured,
        "table": {
            "respondents": table_responses,
            "answers": made["wave"]["answers"],
            "questions": table["questions"],
            "domains": DOMAINS,
            "estimates": table["estimates"],
            "withheld": table["withheld"],
            "bare_cells": table["bare_cells"],
            "best_seconds": round(table_best["table"], 3),
            "bare_best_seconds": round(table_best["bare"], 3),
            "ratio": round(table_best["table"] / table_best["bare"], 2),
            "runs_seconds": {k: [round(s, 3) for s in v] for k, v in table["seconds"].items()},
            "peak_rss_bytes": peaks["table"],
            "bare_peak_rss_bytes": peaks["bare"],
            "data_peak_rss_bytes": peaks["wave"],
        },
        "seconds": round(time.perf_counter() - started, 1),
    }


def print_surveys(results: dict, log=log_default) -> None:
    mib = 2**20
    margins = ", ".join(f"{v} {k}" for v, k in results["margins"].items())
    log("")
    log(
        f"Raking {results['responses']:,} responses on five margins ({margins} categories), "
        f"tolerance {results['tolerance']:g}, best of {results['rounds']} interleaved rounds"
    )
    header = (
        f"{'library':<30}{'time/ours':>10}{'max |w - ours|':>16}{'peak RSS':>10}"
        f"{'RSS/ours':>10}  converged  goal"
    )
    log(header)
    log("-" * len(header))
    for name, row in results["raking"].items():
        if name == "ours_unit":
            continue
        label = LABELS[name] + (f" {row['version']}" if row.get("version") else "")
        difference = "" if name == "ours" else f"{row['max_abs_difference']:.1e}"
        goal = {True: "met", False: "NOT MET", None: ""}[row.get("goal_met")]
        log(
            f"{label:<30}{row['ratio_to_ours']:>9.2f}x{difference:>16}"
            f"{row['peak_rss_bytes'] / mib:>6.0f} MiB{row['peak_ratio_to_ours']:>9.2f}x  "
            f"{'yes' if row['converged'] else 'NO':<9}  {goal}"
        )
    for name, reason in results["unmeasured"].items():
        log(f"{LABELS[name]:<30}not measured: {reason}")
    balanced = "balance" in results["raking"]
    log(
        f"time/ours: a library's best time over ours (weightipy's over ours on unit weights, "
        f"the only weights it rakes); goal, for each library that rakes the design weights: "
        f">= {results['goal_speedup']:.0f}x with |w - ours| <= {results['goal_difference']:g}: "
        f"{'met' if results['goal_met'] else 'NOT MET'}. Peak RSS: a fresh process loading "
        f"the data and raking once (the data loaded alone: "
        f"{results['raking_data_peak_rss_bytes'] / mib:.0f} MiB"
        + ("; balance's is its own environment's process, with a pandas frame" if balanced else "")
        + ")."
    )
    table = results["table"]
    log("")
    log(
        f"Estimate table: {table['respondents']:,} respondents, {table['answers']:,} answers, "
        f"{table['questions']} questions x (everyone + {', '.join(table['domains'])}): "
        f"{table['estimates']:,} estimates ({table['withheld']:,} withheld)"
    )
    per_round = [
        t / b
        for t, b in zip(table["runs_seconds"]["table"], table["runs_seconds"]["bare"], strict=True)
    ]
    log(
        f"  estimate_table / bare polars group-by of the same cells: {table['ratio']:.2f}x "
        f"(best over best of {results['rounds']}; per round "
        + ", ".join(f"{r:.2f}x" for r in per_round)
        + ")"
    )
    log(
        f"  peak RSS: estimate_table {table['peak_rss_bytes'] / mib:.0f} MiB, bare group-by "
        f"{table['bare_peak_rss_bytes'] / mib:.0f} MiB, the wave loaded alone "
        f"{table['data_peak_rss_bytes'] / mib:.0f} MiB"
    )
    log(f"Surveys phase: {results['seconds']:.0f}s")


if __name__ == "__main__":
    child_main(sys.argv[1:])
