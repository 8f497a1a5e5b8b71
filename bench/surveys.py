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
                design's weight: the strongest raking library that installs beside numpy 2;
     weightipy  weightipy's RIM scheme; it starts every weight at 1 and cannot rake design
                weights, so it rakes unit weights and is compared with ours on unit weights
                (both scaled to the same total);
     samplics   (only when named with --surveys-references: about a minute and a half per
                run on the 2-core machine) SampleWeight.rake, pandas-style masks per category.
   Each library is timed from the same polars frame to an array of weights (its own
   conversions included), at tolerance 1e-10 where it takes one. The best round is kept and
   each reference is reported as a ratio to ours (goal: svy at least 5x slower), with the
   largest absolute difference between its weights and ours (goal: at most 1e-6).
   facebookresearch's `balance` is not among them: on Python 3.11 it requires numpy<2,
   scipy<1.14 and scikit-learn<1.4, and the project needs numpy 2 and scipy>=1.15.
3. A third child times `estimate_table` (every question x choice x the whole population and
   every value of district, age band, sex, race/ethnicity, tenure and stopped by police) against
   the bare group-by: the answers joined to the respondents and, per domain variable, grouped
   by question, choice and domain value with a weighted sum, a weighted sum of the values and a
   count: the same cells with no variance, interval or check.
4. Fresh children run one thing once and read their own peak RSS (bench.memory): the data
   loaded and nothing run, each raking, and the estimate table and the bare group-by.

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
DEFAULT_REFERENCES = ("svy", "weightipy")
REFERENCES = ("svy", "weightipy", "samplics")
TOLERANCE = 1e-10
SEED = 2025
POPULATION = 2_400_000

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


def generate_raking(directory: Path, n: int) -> dict:
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
    return {"seconds": round(time.perf_counter() - started, 2), "rows": frame.height}


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


def raking_timings(directory: Path, names: list[str], rounds: int) -> dict:
    frame, margins = load_raking(directory)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    converged: dict[str, bool] = {}
    for name in names:  # warm-up, and the weights compared
        if name in SLOW:
            continue
        weights, converged[name] = RAKERS[name](frame, margins)
        np.save(directory / f"weights-{name}.npy", weights)
    fast = [name for name in names if name not in SLOW]
    for round_ in range(rounds):
        shift = round_ % len(fast)
        for name in fast[shift:] + fast[:shift]:
            started = time.perf_counter()
            RAKERS[name](frame, margins)
            seconds[name].append(time.perf_counter() - started)
    for name in names:
        if name in SLOW:
            started = time.perf_counter()
            weights, converged[name] = RAKERS[name](frame, margins)
            seconds[name].append(time.perf_counter() - started)
            np.save(directory / f"weights-{name}.npy", weights)
    return {"seconds": seconds, "converged": converged}


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


def child_main(argv: list[str]) -> None:
    # The answer is the only thing on stdout: what a library prints goes to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        result = child_result(argv)
    reply(result)


def child_result(argv: list[str]) -> dict:
    command, directory = argv[0], Path(argv[1])
    if command == "generate":
        result = {
            "raking": generate_raking(directory, int(argv[2])),
            "wave": generate_wave(directory, int(argv[3])),
        }
    elif command == "rake":
        result = raking_timings(directory, argv[3].split(","), int(argv[2]))
    elif command == "table":
        result = table_timings(directory, int(argv[2]))
    else:
        result = once(directory, argv[2])
    return result


def child(*args) -> tuple[dict, int]:
    """Run `python -m bench.surveys ARGS`; its JSON answer and its peak RSS in bytes."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.surveys", *map(str, args)],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        text=True,
    )
    output = process.stdout.read()
    process.wait()
    if process.returncode:
        raise RuntimeError(f"bench.surveys {args[0]} failed with exit code {process.returncode}")
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
    log(
        f"Surveys: drawing {responses:,} respondents to rake and a wave of "
        f"{table_responses:,} to estimate"
    )
    made, _ = child("generate", directory, responses, table_responses)
    log(f"  drawn in {made['raking']['seconds']}s and {made['wave']['seconds']}s")

    names = ["ours", *references]
    if "weightipy" in references:
        names.insert(1, "ours_unit")
    log(f"  raking with {', '.join(names)}: best of {rounds} interleaved rounds")
    raked, _ = child("rake", directory, rounds, ",".join(names))
    best = {name: min(values) for name, values in raked["seconds"].items()}
    ours = np.load(directory / "weights-ours.npy")
    ours_unit = np.load(directory / "weights-ours_unit.npy") if "ours_unit" in names else None
    library = versions([n for n in references])
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
    if "ours_unit" in names:
        raking["ours_unit"] = {"best_seconds": round(best["ours_unit"], 3)}

    log(f"  timing the estimate table and the bare group-by, best of {rounds} rounds")
    table, _ = child("table", directory, rounds)
    table_best = {name: min(values) for name, values in table["seconds"].items()}

    log("  peak memory, one fresh process each")
    peaks = {}
    for what in ["data", *[n for n in names if n != "ours_unit"], "wave", "table", "bare"]:
        _answer, peaks[what] = child("once", directory, what)
    for name in ["ours", *references]:
        raking[name]["peak_rss_bytes"] = peaks[name]
        raking[name]["peak_ratio_to_ours"] = round(peaks[name] / peaks["ours"], 2)

    speedup = raking["svy"]["ratio_to_ours"] if "svy" in raking else None
    return {
        "responses": responses,
        "margins": {v: len(c) for v, c in VARIABLES.items()},
        "tolerance": TOLERANCE,
        "rounds": rounds,
        "raking": raking,
        "raking_data_peak_rss_bytes": peaks["data"],
        "goal_speedup": GOAL_SPEEDUP,
        "goal_difference": GOAL_DIFFERENCE,
        "goal_met": (
            speedup is not None
            and speedup >= GOAL_SPEEDUP
            and raking["svy"]["max_abs_difference"] <= GOAL_DIFFERENCE
        ),
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
        f"{'RSS/ours':>10}  converged"
    )
    log(header)
    log("-" * len(header))
    for name, row in results["raking"].items():
        if name == "ours_unit":
            continue
        label = LABELS[name] + (f" {row['version']}" if row.get("version") else "")
        difference = "" if name == "ours" else f"{row['max_abs_difference']:.1e}"
        log(
            f"{label:<30}{row['ratio_to_ours']:>9.2f}x{difference:>16}"
            f"{row['peak_rss_bytes'] / mib:>6.0f} MiB{row['peak_ratio_to_ours']:>9.2f}x  "
            f"{'yes' if row['converged'] else 'NO'}"
        )
    log(
        f"time/ours: a library's best time over ours (weightipy's over ours on unit weights, "
        f"the only weights it rakes); goal: svy >= {results['goal_speedup']:.0f}x with "
        f"|w - ours| <= {results['goal_difference']:g}: "
        f"{'met' if results['goal_met'] else 'NOT MET'}. Peak RSS: a fresh process loading "
        f"the data and raking once (the data loaded alone: "
        f"{results['raking_data_peak_rss_bytes'] / mib:.0f} MiB)."
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
