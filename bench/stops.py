"""The stop analyses over ten million synthetic stops, as ratios to a bare scan of the same file.

`python -m bench.run stops` (or the stops phase of a whole `make bench`):

1. a child process generates N stops (default 10,000,000) with `stops.synthetic.generate_stops`
   (four districts with places and populations, five years, the demo's planted disparities) and
   writes them to one Parquet file in a temporary folder, as the import writes a loaded batch
   (zstd, row groups of a million);
2. a second child times, in interleaved rounds after one untimed warm-up round, each analysis
   on `pl.scan_parquet(path)` and the baselines below; the best of the rounds is kept;
3. fresh children, each importing the same modules, run one thing once and report their peak
   RSS (read by each child, bench.memory): nothing more (the interpreter and its imports), the
   bare scan, and the three analyses one after the other.

Baselines. An analysis reads a few columns and reduces them with lazy group-bys, so its floor
is reading and decoding those columns and grouping them once. The baseline does exactly that
with nothing else: `pl.scan_parquet(path).group_by("district", "subject_race")` and one trivial
aggregate per other column (a sum for booleans, a max for dates and times, so no column is
pruned from the scan), run by the streaming engine as the analyses are. The common baseline
reads the six columns the analyses read between them (date, time, district, subject_race,
search_conducted, contraband_found); the goal (each analysis within 3x of it) is judged
against it. A stricter figure divides each analysis by a baseline reading only that analysis's
own columns. The file is read from the page cache in every run alike (it was just written).
"""

import datetime
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.memory import read_reply, reply

GOAL = 3.0
DEFAULT_ROWS = 10_000_000
DEFAULT_ROUNDS = 5
YEARS = (datetime.date(2020, 1, 1), datetime.date(2024, 12, 31))
TIME_ZONE = "America/Chicago"
# code, population by group (asian/pacific islander, black, hispanic, white, other), place.
DISTRICTS = [
    ("N", (4_000, 31_000, 18_000, 26_000, 3_000), (41.648, -90.588)),
    ("E", (4_000, 18_000, 46_000, 24_000, 4_000), (41.613, -90.518)),
    ("S", (2_000, 36_000, 15_000, 21_000, 3_000), (41.555, -90.566)),
    ("W", (6_000, 5_000, 8_000, 50_000, 3_000), (41.609, -90.643)),
]
STOP_RATES = {"white": 1.0, "black": 1.8, "hispanic": 1.3, "asian/pacific islander": 0.8}
DARKNESS_EFFECT = -0.25
SEARCH_RATES = {"white": 0.03, "black": 0.06, "hispanic": 0.05, "asian/pacific islander": 0.025}
HIT_RATES = {"white": 0.32, "black": 0.22, "hispanic": 0.24, "asian/pacific islander": 0.30}

# The columns each analysis reads (from commonground/stops/analysis.py).
# Each analysis also reads officer_id (intervals clustered by officer) and the veil of darkness
# the kind of stop (vehicle stops only).
COLUMNS = {
    "benchmark": ["district", "subject_race", "search_conducted", "officer_id"],
    "veil_of_darkness": ["date", "time", "district", "subject_race", "type", "officer_id"],
    "outcome_test": [
        "district",
        "subject_race",
        "search_conducted",
        "contraband_found",
        "officer_id",
    ],
}
ALL_COLUMNS = [
    "date",
    "time",
    "district",
    "subject_race",
    "type",
    "search_conducted",
    "contraband_found",
    "officer_id",
]
ANALYSES = list(COLUMNS)
LABELS = {
    "baseline": "bare scan, 8 columns (baseline)",
    "benchmark": "benchmark_rates",
    "veil_of_darkness": "veil_of_darkness",
    "outcome_test": "outcome_test",
}


def districts():
    from commonground.stops.analysis import GROUPS, DistrictInfo

    return [
        DistrictInfo(
            code=code,
            name=f"District {code}",
            population_by_group=dict(zip(GROUPS, population, strict=True)),
            latitude=latitude,
            longitude=longitude,
        )
        for code, population, (latitude, longitude) in DISTRICTS
    ]


def bare_scan(path: Path, columns: list[str]):
    import polars as pl

    others = [c for c in columns if c not in ("district", "subject_race")]
    aggregates = [
        pl.col(c).sum() if c in ("search_conducted", "contraband_found") else pl.col(c).max()
        for c in others
    ]
    return (
        pl.scan_parquet(path)
        .group_by("district", "subject_race")
        .agg(pl.len(), *aggregates)
        .collect(engine="streaming")
    )


def run_analysis(name: str, path: Path):
    import polars as pl

    from commonground.stops import analysis

    stops = pl.scan_parquet(path)
    if name == "benchmark":
        return analysis.benchmark_rates(
            stops, districts(), years=((YEARS[1] - YEARS[0]).days + 1) / 365.25
        )
    if name == "veil_of_darkness":
        return analysis.veil_of_darkness(stops, districts(), time_zone=TIME_ZONE)
    return analysis.outcome_test(stops, districts())


def scenarios(path: Path) -> dict:
    """name -> a function running it once."""
    found = {"baseline": lambda: bare_scan(path, ALL_COLUMNS)}
    for name in ANALYSES:
        found[name] = lambda name=name: run_analysis(name, path)
        found[f"{name}/own"] = lambda name=name: bare_scan(path, COLUMNS[name])
    return found


# --- Child processes ---------------------------------------------------------------------------


def generate(path: Path, rows: int) -> dict:
    from commonground.stops.synthetic import generate_stops

    started = time.perf_counter()
    frame = generate_stops(
        rows,
        seed=2024,
        districts=districts(),
        time_zone=TIME_ZONE,
        start=YEARS[0],
        end=YEARS[1],
        stop_rates=STOP_RATES,
        darkness_effect=DARKNESS_EFFECT,
        search_rates=SEARCH_RATES,
        hit_rates=HIT_RATES,
    )
    generated = time.perf_counter() - started
    frame.write_parquet(path, compression="zstd", row_group_size=1_000_000)
    return {
        "generate_seconds": round(generated, 2),
        "write_seconds": round(time.perf_counter() - started - generated, 2),
        "in_memory_bytes": frame.estimated_size(),
        "columns_in_memory_bytes": frame.select(ALL_COLUMNS).estimated_size(),
    }


def timings(path: Path, rounds: int) -> dict:
    runs = scenarios(path)
    names = list(runs)
    for name in names:  # warm-up: imports, the file in the page cache, first-call costs
        runs[name]()
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(rounds):
        # A different order each round, so no scenario always follows the same one.
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            runs[name]()
            seconds[name].append(time.perf_counter() - started)
    return seconds


def once(path: Path, what: str) -> dict:
    """Run one thing once, for its peak memory. Every child imports the same modules first, so
    the differences between their peaks are what the runs themselves took."""
    import polars  # noqa: F401

    from commonground.stops import analysis  # noqa: F401

    if what == "baseline":
        bare_scan(path, ALL_COLUMNS)
    elif what == "analyses":
        for name in ANALYSES:
            run_analysis(name, path)
    return {}


def child_main(argv: list[str]) -> None:
    command, path = argv[0], Path(argv[1])
    if command == "generate":
        result = generate(path, int(argv[2]))
    elif command == "time":
        result = timings(path, int(argv[2]))
    else:
        result = once(path, argv[2])
    reply(result)


def child(*args) -> tuple[dict, int]:
    """Run `python -m bench.stops ARGS` and return its JSON answer and its peak RSS in bytes."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.stops", *map(str, args)],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        text=True,
    )
    output = process.stdout.read()
    process.wait()
    if process.returncode:
        raise RuntimeError(f"bench.stops {args[0]} failed with exit code {process.returncode}")
    return read_reply(output)


# --- The phase ---------------------------------------------------------------------------------


def measure_stops(directory: Path, rows: int, rounds: int, log) -> dict:
    path = directory / "stops.parquet"
    log(f"Stops: generating {rows:,} stops over five years in {len(DISTRICTS)} districts")
    made, generate_rss = child("generate", path, rows)
    size = path.stat().st_size
    log(
        f"  generated in {made['generate_seconds']}s, written in {made['write_seconds']}s: "
        f"{size / 2**20:.0f} MiB of Parquet"
    )
    log(f"  timing the analyses and the baselines, best of {rounds} interleaved rounds")
    seconds, _rss = child("time", path, rounds)
    best = {name: min(values) for name, values in seconds.items()}
    peaks = {}
    for what in ("imports", "baseline", "analyses"):
        _answer, peaks[what] = child("once", path, what)
    base = best["baseline"]
    rows_out = {}
    for name in ["baseline", *ANALYSES]:
        rows_out[name] = {
            "best_seconds": round(best[name], 3),
            "median_seconds": round(statistics.median(seconds[name]), 3),
            "ratio": round(best[name] / base, 2),
        }
        if name != "baseline":
            own = best[f"{name}/own"]
            rows_out[name].update(
                own_columns=COLUMNS[name],
                own_baseline_seconds=round(own, 3),
                ratio_to_own=round(best[name] / own, 2),
                goal_met=best[name] / base <= GOAL,
            )
    return {
        "rows": rows,
        "file_bytes": size,
        "in_memory_bytes": made["in_memory_bytes"],
        "columns_in_memory_bytes": made["columns_in_memory_bytes"],
        "rounds": rounds,
        "generate_seconds": made["generate_seconds"],
        "generate_peak_rss_bytes": generate_rss,
        "scenarios": rows_out,
        "runs_seconds": {name: [round(s, 3) for s in values] for name, values in seconds.items()},
        "peak_rss_bytes": peaks,
        "goal": GOAL,
    }


def print_stops(results: dict, log) -> None:
    mib = 2**20
    log("")
    log(
        f"Stop analyses on {results['rows']:,} stops ({results['file_bytes'] / mib:.0f} MiB of "
        f"Parquet; {results['columns_in_memory_bytes'] / mib:.0f} MiB in memory for the six "
        f"columns read), best of {results['rounds']} rounds"
    )
    header = f"{'scenario':<34}{'best s':>8}{'median s':>10}{'ratio':>8}{'own cols':>10}  goal"
    log(header)
    log("-" * len(header))
    for name, row in results["scenarios"].items():
        own = f"{row['ratio_to_own']:.2f}x" if "ratio_to_own" in row else ""
        goal = "" if name == "baseline" else ("met" if row["goal_met"] else "NOT MET")
        log(
            f"{LABELS[name]:<34}{row['best_seconds']:>8.3f}{row['median_seconds']:>10.3f}"
            f"{row['ratio']:>7.2f}x{own:>10}  {goal}"
        )
    peaks = results["peak_rss_bytes"]
    log(
        f"ratio: time over the 6-column bare scan (goal <= {results['goal']:.0f}x); own cols: over "
        "a bare scan of only the columns that analysis reads."
    )
    log(
        f"Peak RSS: the three analyses {peaks['analyses'] / mib:.0f} MiB "
        f"({peaks['analyses'] / results['file_bytes']:.2f}x the file), the bare scan "
        f"{peaks['baseline'] / mib:.0f} MiB, imports alone {peaks['imports'] / mib:.0f} MiB; "
        f"so the analyses add {(peaks['analyses'] - peaks['imports']) / mib:.0f} MiB to the "
        f"interpreter (the scan {(peaks['baseline'] - peaks['imports']) / mib:.0f} MiB)"
    )


if __name__ == "__main__":
    child_main(sys.argv[1:])
