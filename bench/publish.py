"""The public figures and bulk files at a million complaints, as ratios to baselines measured in
the same run.

`python -m bench.run publish` (or the publish phase of a whole `make bench`):

1. Two databases of their own (SQLite files in a temporary folder, each served by bench.settings
   with BENCH_DATA_DIR pointing at its folder): one with 10,000 complaints, one with 1,000,000.
   The schema is migrated once and the file copied. Complaints are inserted in bulk, as the
   intake and case actions would have stored them: received online, by phone, in person, by mail
   or e-mail over three years, in one of four districts (one in eight without one); one
   allegation per complaint on average (none for a complaint not yet triaged or closed at
   triage, up to two), each against a described or roster officer; a status history that
   follows investigations.actions.TRANSITIONS, and for closed complaints an outcome (the most
   serious final finding, or the triage or mediation closing) and final findings. Left out,
   because no public dataset reads them: contact details (every reporter is anonymous), case
   files, audit events.
2. `build_release()` on each database, timed (for information).
3. Each database is served by its own gunicorn (one worker, one thread: the page's latency, not
   throughput). In each round both servers are restarted with the drawn dashboards deleted from
   the cache, as right after a release; each is warmed on other pages (the bare view, the list
   of figures and the outcomes dashboard, so templates and chart code are loaded) and then
   `/en/figures/complaints/` is requested once: the cold figure. Then requests alternate between
   the two servers: the warm figures. Goal: the page at 1,000,000 complaints within 1.2x of the
   page at 10,000 (ratio of medians of the warm requests).
4. The allegation records of the big release (one row per allegation, 1,000,000 rows), exported
   as `publish.exports` streams them to a download: `csv_chunks`, `parquet_chunks` and
   `json_chunks` drained into a byte counter, against polars writing the same frame, already in
   memory, to a BytesIO (`write_csv`, `write_parquet`, `write_json`), in interleaved rounds after
   one untimed round; best of the rounds. Goal: CSV and Parquet within 2x (JSON for
   information).
5. Peak memory: fresh child processes each import the same modules and look up the release file,
   then do one thing and report their peak RSS (read by each child, bench.memory): nothing more; the CSV and JSON
   exports of the 10,000 and the 1,000,000 records, and of a file holding the 1,000,000 records
   ten times over (10,000,000 rows, exported as if the release held it); the Parquet export; and
   reading the 1,000,000-row frame whole, for comparison. An export whose memory does not grow
   with the rows peaks at about the same RSS at 1,000,000 and 10,000,000 rows (the smallest
   release shows the fixed cost of polars' streaming engine warming up).

`--publish-dir DIR` keeps the databases in DIR and reuses them on the next run (a release is
built each time all the same).
"""

import datetime
import hashlib
import io
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.memory import read_reply, reply

PAGE_GOAL = 1.2
EXPORT_GOAL = 2.0
DEFAULT_SMALL = 10_000
DEFAULT_LARGE = 1_000_000
DEFAULT_ROUNDS = 5
DEFAULT_REQUESTS = 20
PAGE = "/en/figures/complaints/"
# Loaded before the cold request: they share the template and chart code, not the datasets.
WARM_UP_PATHS = ["/bench/bare", "/en/figures/", "/en/figures/outcomes/"]
RECORDS = "allegation-records"
EXPORTS = ["csv", "parquet", "json"]
# The records this many times over, for the peak memory of a download bigger than the database.
SCALE = 10
BATCH = 50_000
SEED = 2024
YEARS = 3
DISTRICTS = ["N", "E", "S", "W"]
OFFICERS = 300
# Allegations per complaint, ten complaints at a time: ten allegations for every ten complaints.
ALLEGATIONS_PER_COMPLAINT = (1, 0, 2, 1, 1, 0, 1, 2, 1, 1)
FULL_PATH = [
    "received",
    "triage",
    "investigation",
    "supervisor_review",
    "board_review",
    "agency_decision",
    "closed",
]
MEDIATION_PATH = ["received", "triage", "mediation", "closed"]
TRIAGE_CLOSINGS = ["referred", "withdrawn", "insufficient_information", "closed_administratively"]
CHANNELS = (["online", "phone", "walk_in", "mail", "email"], [60, 15, 10, 5, 10])
CATEGORIES = (
    [
        "use_of_force",
        "abuse_of_authority",
        "discourtesy",
        "offensive_language",
        "improper_stop",
        "untruthfulness",
        "failure_to_act",
        "other",
    ],
    [12, 22, 25, 10, 15, 4, 8, 4],
)
# Most serious first (complaints.models.Finding): a closed complaint's outcome is its first.
FINDINGS = (
    [
        "sustained",
        "policy_failure",
        "not_sustained",
        "exonerated",
        "unfounded",
        "closed_administratively",
    ],
    [15, 3, 35, 20, 20, 7],
)
NARRATIVES = [
    "The officer raised his voice and would not say why I was stopped.",
    "I was searched without a reason being given.",
    "The officer refused to give a badge number.",
    "Force was used when I was already on the ground.",
]


# --- Child processes: seeding, the release, the exports ---------------------------------------


def migrate() -> dict:
    """The schema and the cache table, once; the databases start as copies of this file."""
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return {"seconds": round(time.perf_counter() - started, 1)}


def _stamp(seconds: float) -> str:
    """A UTC instant as Django's SQLite backend stores a datetime."""
    return str(datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=int(seconds)))


def _insert(cursor, model, names: list[str], rows: list[tuple]) -> None:
    """Plain executemany with values already in the database's form: at a million complaints
    bulk_create's per-object cost would dominate."""
    from django.db import connection

    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(n).column) for n in names)
    marks = ", ".join(["%s"] * len(names))
    cursor.executemany(
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})", rows
    )


def seed(complaints: int, log) -> dict:
    """An agency, its districts and officers, a staff member, and `complaints` complaints with
    their officers, allegations and status history."""
    from django.db import connection, transaction
    from django.utils import timezone

    from commonground.accounts.models import User
    from commonground.complaints.models import Allegation, InvolvedOfficer, Report, StatusChange
    from commonground.roster.models import Agency, District, Officer, Unit

    started = time.perf_counter()
    rng = random.Random(SEED + complaints)
    agency = Agency.objects.create(name="Bench Police Department", time_zone="America/Chicago")
    districts = []
    for code in DISTRICTS:
        district = District.objects.create(
            agency=agency, code=code, name=f"District {code}", population=80_000
        )
        Unit.objects.create(agency=agency, name=f"Patrol {code}", district=district)
        districts.append(district.pk)
    officers = [
        o.pk
        for o in Officer.objects.bulk_create(
            Officer(
                agency=agency,
                first_name=f"Officer{i}",
                last_name=f"Bench{i}",
                badge_number=str(1000 + i),
            )
            for i in range(OFFICERS)
        )
    ]
    clerk = User.objects.create_user(username="bench-intake", password=None).pk

    now = timezone.now().timestamp()
    span = YEARS * 365 * 86_400
    report_fields = [
        "id",
        "kind",
        "status",
        "channel",
        "received_at",
        "received_by",
        "tracking_code_hash",
        "language",
        "reporter_type",
        "reporter_relationship",
        "reporter_contact",
        "contact_method",
        "incident_date",
        "location",
        "district",
        "district_source",
        "narrative",
        "outcome",
        "updated_at",
    ]
    officer_fields = [
        "id",
        "report",
        "role",
        "officer",
        "name_given",
        "badge_given",
        "description",
        "vehicle",
    ]
    allegation_fields = [
        "id",
        "report",
        "involved_officer",
        "category",
        "summary",
        "final_finding",
        "created_at",
        "created_by",
    ]
    change_fields = ["report", "from_status", "to_status", "changed_at", "changed_by", "reason"]
    counts = {"complaints": 0, "allegations": 0, "status_changes": 0, "closed": 0}
    district_choices = [*districts, None]
    district_weights = [22, 22, 22, 22, 12]
    updated = _stamp(now)

    for first in range(0, complaints, BATCH):
        reports, involved, allegations, changes = [], [], [], []
        for i in range(first, min(first + BATCH, complaints)):
            pk = i + 1
            age = rng.random() * span
            received = now - age
            age_days = age / 86_400
            channel = rng.choices(*CHANNELS)[0]
            district = rng.choices(district_choices, district_weights)[0]
            n = ALLEGATIONS_PER_COMPLAINT[i % len(ALLEGATIONS_PER_COMPLAINT)]
            outcome = ""
            findings = [""] * n
            if n == 0:
                # Not yet triaged, or closed at triage without an allegation.
                path = ["received"] if age_days < 30 else ["received", "triage", "closed"]
                if len(path) > 1:
                    outcome = rng.choice(TRIAGE_CLOSINGS)
            elif rng.random() < 0.1:
                progress = min(1.0, age_days / 120 + rng.random() * 0.3)
                path = MEDIATION_PATH[: max(3, round(progress * len(MEDIATION_PATH)))]
                if path[-1] == "closed":
                    outcome = "mediated" if rng.random() < 0.8 else "withdrawn"
            else:
                progress = min(1.0, age_days / 540 + rng.random() * 0.3)
                path = FULL_PATH[: max(2, round(progress * len(FULL_PATH)))]
                if path[-1] == "closed":
                    findings = rng.choices(*FINDINGS, k=n)
                    outcome = min(findings, key=FINDINGS[0].index)
            at, previous, triaged = received, "", received
            for status in path:
                changes.append(
                    (pk, previous, status, _stamp(at), None if status == "received" else clerk, "")
                )
                if status == "triage":
                    triaged = at
                previous = status
                at = min(now, at + rng.randrange(1, 60) * 86_400 + rng.randrange(86_400))
            reports.append(
                (
                    pk,
                    "complaint",
                    path[-1],
                    channel,
                    _stamp(received),
                    None if channel == "online" else clerk,
                    hashlib.sha256(f"bench-publish:{complaints}:{pk}".encode()).hexdigest(),
                    "es" if rng.random() < 0.2 else "en",
                    "anonymous",
                    "",
                    None,
                    "none",
                    _stamp(received - rng.randrange(0, 30) * 86_400)[:10],
                    "",
                    district,
                    "chosen" if district else "unknown",
                    NARRATIVES[i % len(NARRATIVES)],
                    outcome,
                    updated,
                )
            )
            if n:
                known = rng.random() < 0.8
                involved.append(
                    (
                        pk,
                        pk,
                        "subject",
                        rng.choice(officers) if known else None,
                        "",
                        "" if known else str(rng.randrange(1000, 9999)),
                        "" if known else "Tall, dark uniform, patrol car",
                        "",
                    )
                )
            for finding in findings:
                counts["allegations"] += 1
                allegations.append(
                    (
                        counts["allegations"],
                        pk,
                        pk,
                        rng.choices(*CATEGORIES)[0],
                        "",
                        finding,
                        _stamp(triaged),
                        clerk,
                    )
                )
            counts["closed"] += path[-1] == "closed"
        with transaction.atomic(), connection.cursor() as cursor:
            _insert(cursor, Report, report_fields, reports)
            _insert(cursor, InvolvedOfficer, officer_fields, involved)
            _insert(cursor, Allegation, allegation_fields, allegations)
            _insert(cursor, StatusChange, change_fields, changes)
        counts["complaints"] += len(reports)
        counts["status_changes"] += len(changes)
        if counts["complaints"] % 200_000 == 0 or counts["complaints"] == complaints:
            log(f"    {counts['complaints']:,} / {complaints:,} complaints")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {**counts, "seconds": round(time.perf_counter() - started, 1)}


def collect_static() -> dict:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0)
    return {"seconds": round(time.perf_counter() - started, 1)}


def build(log) -> dict:
    """One release, timed."""
    from django.db import connection

    from commonground.publish.actions import build_release

    started = time.perf_counter()
    release = build_release(progress=lambda line: None)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {
        "seconds": round(seconds, 1),
        "release": release.pk,
        "rows": {f.dataset: f.rows for f in release.files.all()},
        "bytes": sum(f.size for f in release.files.all()),
    }


def records_file():
    from commonground.publish import datasets as ds
    from commonground.publish.selectors import dictionary, release_file

    file = release_file(RECORDS)
    if file is None:
        raise RuntimeError(f"no published {RECORDS} in this database")
    return file, dictionary(ds.DATASETS[RECORDS], file)


def drain(chunks) -> int:
    """A download's body read to the end: how many bytes."""
    return sum(len(chunk) for chunk in chunks)


def export_scenarios(file, dictionary, frame) -> dict:
    """name -> a function running it once and returning the bytes it made."""
    from commonground.publish import exports

    def polars(write):
        def run():
            buffer = io.BytesIO()
            write(frame, buffer)
            return buffer.getbuffer().nbytes

        return run

    return {
        "csv": lambda: drain(exports.csv_chunks(file)),
        "csv/polars": polars(lambda f, b: f.write_csv(b)),
        "parquet": lambda: drain(exports.parquet_chunks(file)),
        "parquet/polars": polars(lambda f, b: f.write_parquet(b)),
        "json": lambda: drain(exports.json_chunks(file, dictionary)),
        "json/polars": polars(lambda f, b: f.write_json(b)),
    }


def export_timings(rounds: int) -> dict:
    import polars as pl

    from commonground.stops.storage import local_path

    file, dictionary = records_file()
    frame = pl.read_parquet(local_path(file.name))
    runs = export_scenarios(file, dictionary, frame)
    names = list(runs)
    sizes = {name: run() for name, run in runs.items()}  # warm-up: the file in the page cache
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            runs[name]()
            seconds[name].append(time.perf_counter() - started)
    return {
        "rows": frame.height,
        "file_bytes": file.size,
        "frame_bytes": frame.estimated_size(),
        "bytes": sizes,
        "seconds": seconds,
    }


def scale(times: int) -> dict:
    """The release's allegation records `times` over, in one file beside them (row groups as a
    release writes them): a bigger download than the database holds, for peak memory."""
    import polars as pl

    from commonground.publish.actions import CHUNK_ROWS
    from commonground.stops.storage import local_path

    file, _dictionary = records_file()
    source = local_path(file.name)
    name = f"publish/bench/{RECORDS}-x{times}.parquet"
    target = local_path(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    pl.concat([pl.scan_parquet(source)] * times).sink_parquet(target, row_group_size=CHUNK_ROWS)
    return {"name": name, "rows": file.rows * times, "size": target.stat().st_size}


def once(what: str, name: str = "") -> dict:
    """Look up the release file (every child does), then run one export once, for its peak RSS.
    With `name`, export that file instead, as if the release held it."""
    import polars as pl

    from commonground.publish import exports
    from commonground.publish.models import ReleaseFile
    from commonground.stops.storage import local_path

    file, dictionary = records_file()
    if name:
        file = ReleaseFile(
            release=file.release, dataset=RECORDS, name=name, rows=file.rows * SCALE, size=0
        )
    made = 0
    if what == "csv":
        made = drain(exports.csv_chunks(file))
    elif what == "json":
        made = drain(exports.json_chunks(file, dictionary))
    elif what == "parquet":
        made = drain(exports.parquet_chunks(file))
    elif what == "frame":
        made = pl.read_parquet(local_path(file.name)).estimated_size()
    return {"bytes": made}


def child_main(argv: list[str]) -> None:
    import django

    django.setup()

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    command = argv[0]
    if command == "migrate":
        result = migrate()
    elif command == "static":
        result = collect_static()
    elif command == "seed":
        result = seed(int(argv[1]), log)
    elif command == "build":
        result = build(log)
    elif command == "exports":
        result = export_timings(int(argv[1]))
    elif command == "scale":
        result = scale(int(argv[1]))
    else:
        result = once(*argv[1:])
    reply(result)


def spawn(directory: Path, *args, module: str = "bench.publish") -> subprocess.Popen:
    """Start `python -m MODULE ARGS` on the database in `directory` (bench.audit shares this)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_DATA_DIR": str(directory),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", module, *map(str, args)],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    process.args, process.module = args, module
    return process


def finish(process: subprocess.Popen) -> tuple[dict, int]:
    """A spawned child's JSON answer and its peak RSS in bytes."""
    output = process.stdout.read()
    process.wait()
    if process.returncode:
        raise RuntimeError(
            f"{process.module} {process.args[0]} failed with exit code {process.returncode}"
        )
    return read_reply(output)


def child(directory: Path, *args, module: str = "bench.publish") -> tuple[dict, int]:
    return finish(spawn(directory, *args, module=module))


# --- The databases ------------------------------------------------------------------------------


def prepare(directory: Path, sizes: dict[str, int], log) -> dict:
    """Each database seeded (or reused, with what its seeding reported), then released. The
    static files (which the pages link to by their hashed names) are collected once, into the
    template's folder, while the databases are seeded; each database's folder links to them."""
    template = directory / "template"
    if not (template / "bench.sqlite3").exists():
        log(f"  migrating a template database in {template}")
        child(template, "migrate")
    static = spawn(template, "static")
    prepared = {}
    for name, complaints in sizes.items():
        folder = directory / f"{name}-{complaints}"
        marker = folder / "seeded.json"
        if marker.exists() and json.loads(marker.read_text())["complaints"] == complaints:
            seeded = {**json.loads(marker.read_text()), "reused": True}
            log(f"  reusing the database of {complaints:,} complaints in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            shutil.copy(template / "bench.sqlite3", folder / "bench.sqlite3")
            (folder / "static").symlink_to(template / "static", target_is_directory=True)
            log(f"  seeding {complaints:,} complaints in {folder}")
            seeded, _rss = child(folder, "seed", complaints)
            marker.write_text(json.dumps(seeded))
            seeded["reused"] = False
            log(
                f"  seeded {seeded['complaints']:,} complaints, {seeded['allegations']:,} "
                f"allegations, {seeded['status_changes']:,} status changes in {seeded['seconds']}s"
            )
        prepared[name] = {"folder": str(folder), "seed": seeded}
    collected, _rss = finish(static)
    log(f"  static files collected in {collected['seconds']}s")
    for name, complaints in sizes.items():
        log(f"  build_release() on {complaints:,} complaints")
        folder = Path(prepared[name]["folder"])
        built, build_rss = child(folder, "build")
        log(
            f"  release built in {built['seconds']}s: {len(built['rows'])} datasets, "
            f"{built['rows'][RECORDS]:,} allegation records"
        )
        prepared[name].update(
            label=short(complaints),
            build_seconds=built["seconds"],
            build_peak_rss_bytes=build_rss,
            release_rows=built["rows"],
            release_bytes=built["bytes"],
            database_bytes=(folder / "bench.sqlite3").stat().st_size,
        )
    return prepared


def short(n: int) -> str:
    """10,000 -> 10k, 1,000,000 -> 1M."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if n >= size and n % size == 0:
            return f"{n // size}{suffix}"
    return f"{n:,}"


# --- The page, through gunicorn ----------------------------------------------------------------


class Server:
    """One gunicorn (one worker, one thread) on one of the databases."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.process = None
        self.port = 0

    def start(self) -> None:
        from bench.run import free_port, start_server, wait_ready

        self.port = free_port()
        log_path = self.folder / "gunicorn.log"
        self.process = start_server(
            self.port, 1, 1, log_path, env={"BENCH_DATA_DIR": str(self.folder)}
        )
        wait_ready(self.process, self.port, log_path)

    def stop(self) -> None:
        from bench.run import stop_server

        if self.process is not None:
            stop_server(self.process)
            self.process = None

    def forget_dashboards(self) -> None:
        """Delete the drawn dashboards from the cache (a database table), as a new release makes
        them unreachable: the next request draws them again from the release's files."""
        from django.conf import settings

        table = settings.CACHES["default"]["LOCATION"]
        with sqlite3.connect(self.folder / "bench.sqlite3") as db:
            db.execute(f'DELETE FROM "{table}" WHERE cache_key LIKE ?', ("%publish:dashboard:%",))
        db.close()

    def get(self, path: str, expect: str = "") -> float:
        from bench.run import BenchError, Client

        resp = Client(self.port).request("GET", path)
        if resp.status != 200 or expect not in resp.body:
            raise BenchError(f"GET {path} on {self.folder.name}: {resp.status}, no {expect!r}")
        return resp.seconds


def measure_page(prepared: dict, rounds: int, requests: int, log) -> dict:
    servers = {name: Server(Path(p["folder"])) for name, p in prepared.items()}
    # The page must show the whole count, as the release gives it.
    expect = {
        name: f"{p['seed']['complaints']:,} complaints in all." for name, p in prepared.items()
    }
    labels = {name: p["label"] for name, p in prepared.items()}
    cold: dict[str, list[float]] = {name: [] for name in servers}
    warm: dict[str, list[float]] = {name: [] for name in servers}
    round_ratios = []
    names = list(servers)
    try:
        for round_ in range(rounds):
            order = names if round_ % 2 == 0 else names[::-1]
            for name in order:
                server = servers[name]
                server.stop()
                server.forget_dashboards()
                server.start()
                for path in WARM_UP_PATHS:
                    server.get(path)
                    server.get(path)
            for name in order:
                cold[name].append(servers[name].get(PAGE, expect[name]))
            this_round: dict[str, list[float]] = {name: [] for name in names}
            for i in range(requests):
                for name in order if i % 2 == 0 else order[::-1]:
                    this_round[name].append(servers[name].get(PAGE, expect[name]))
            for name in names:
                warm[name] += this_round[name]
            ratio = statistics.median(this_round["large"]) / statistics.median(this_round["small"])
            round_ratios.append(round(ratio, 3))
            log(
                f"  round {round_ + 1}: cold "
                + ", ".join(f"{labels[n]} {cold[n][-1] * 1000:.0f} ms" for n in names)
                + "; warm median "
                + ", ".join(
                    f"{labels[n]} {statistics.median(this_round[n]) * 1000:.1f} ms" for n in names
                )
                + f" ({ratio:.2f}x)"
            )
    finally:
        for server in servers.values():
            server.stop()

    def summary(values: list[float]) -> dict:
        ordered = sorted(values)
        return {
            "n": len(values),
            "median_ms": round(statistics.median(values) * 1000, 2),
            "p95_ms": round(ordered[max(0, -(-95 * len(ordered) // 100) - 1)] * 1000, 2),
            "min_ms": round(ordered[0] * 1000, 2),
        }

    warm_ratio = statistics.median(warm["large"]) / statistics.median(warm["small"])
    cold_ratio = statistics.median(cold["large"]) / statistics.median(cold["small"])
    return {
        "path": PAGE,
        "labels": labels,
        "rounds": rounds,
        "warm_requests_per_round": requests,
        "warm": {name: summary(values) for name, values in warm.items()},
        "cold": {
            name: {**summary(values), "runs_ms": [round(v * 1000, 1) for v in values]}
            for name, values in cold.items()
        },
        "warm_ratio": round(warm_ratio, 3),
        "cold_ratio": round(cold_ratio, 3),
        "round_warm_ratios": round_ratios,
        "goal": PAGE_GOAL,
        "goal_met": warm_ratio <= PAGE_GOAL,
        "cold_goal_met": cold_ratio <= PAGE_GOAL,
    }


# --- Exports and memory ---------------------------------------------------------------------


def measure_exports(prepared: dict, rounds: int, log) -> dict:
    large, small = Path(prepared["large"]["folder"]), Path(prepared["small"]["folder"])
    log(f"  timing the exports of {RECORDS} and polars' writers, best of {rounds} rounds")
    timed, _rss = child(large, "exports", rounds)
    best = {name: min(values) for name, values in timed["seconds"].items()}
    scenarios = {}
    for fmt in EXPORTS:
        ratio = best[fmt] / best[f"{fmt}/polars"]
        scenarios[fmt] = {
            "best_seconds": round(best[fmt], 3),
            "median_seconds": round(statistics.median(timed["seconds"][fmt]), 3),
            "polars_best_seconds": round(best[f"{fmt}/polars"], 3),
            "polars_median_seconds": round(statistics.median(timed["seconds"][f"{fmt}/polars"]), 3),
            "ratio": round(ratio, 2),
            "bytes": timed["bytes"][fmt],
            "polars_bytes": timed["bytes"][f"{fmt}/polars"],
            "mib_per_s": round(timed["bytes"][fmt] / best[fmt] / 2**20, 1),
            "goal_met": ratio <= EXPORT_GOAL if fmt != "json" else None,
        }
    log(
        f"  peak RSS of fresh processes: imports alone, each export at {prepared['small']['label']}"
        f" and {prepared['large']['label']} rows and of the records {SCALE} times over, the frame"
    )
    scaled, _rss = child(large, "scale", SCALE)
    rows = {
        "small": prepared["small"]["release_rows"][RECORDS],
        "large": timed["rows"],
        "scaled": scaled["rows"],
    }
    peaks: dict[str, dict[str, int]] = {"small": {}, "large": {}, "scaled": {}}
    for what in ("imports", "csv", "json"):
        _answer, peaks["small"][what] = child(small, "once", what)
    for what in ("imports", "csv", "json", "parquet", "frame"):
        _answer, peaks["large"][what] = child(large, "once", what)
    for what in ("csv", "json"):
        _answer, peaks["scaled"][what] = child(large, "once", what, scaled["name"])
    # Every child imports the same modules and reads the same release first.
    peaks["scaled"]["imports"] = peaks["large"]["imports"]
    growth = {
        size: {what: peak - values["imports"] for what, peak in values.items() if what != "imports"}
        for size, values in peaks.items()
    }
    return {
        "dataset": RECORDS,
        "rows": timed["rows"],
        "file_bytes": timed["file_bytes"],
        "frame_bytes": timed["frame_bytes"],
        "rounds": rounds,
        "scenarios": scenarios,
        "runs_seconds": {k: [round(s, 3) for s in v] for k, v in timed["seconds"].items()},
        "goal": EXPORT_GOAL,
        "memory": {
            "rows": rows,
            "scaled_file_bytes": scaled["size"],
            "peak_rss_bytes": peaks,
            "peak_rss_growth_bytes": growth,
            # Near 1 when the rows do not drive the peak: ten times the rows, the same memory.
            "csv_growth_ratio_scaled_to_large": _ratio(
                growth["scaled"]["csv"], growth["large"]["csv"]
            ),
            "json_growth_ratio_scaled_to_large": _ratio(
                growth["scaled"]["json"], growth["large"]["json"]
            ),
        },
    }


def _ratio(scaled: int, large: int) -> float | None:
    """None when the export of the release's own records peaked no higher than the imports
    alone: no growth to compare with."""
    return round(scaled / large, 2) if large > 0 else None


# --- The phase -----------------------------------------------------------------------------------


def measure_publish(
    directory: Path,
    log,
    *,
    small: int = DEFAULT_SMALL,
    large: int = DEFAULT_LARGE,
    rounds: int = DEFAULT_ROUNDS,
    requests: int = DEFAULT_REQUESTS,
) -> dict:
    started = time.perf_counter()
    log(f"Publish: databases of {small:,} and {large:,} complaints in {directory}")
    prepared = prepare(directory, {"small": small, "large": large}, log)
    log(
        f"  {PAGE} on each, {rounds} rounds: a cold request after a restart with the "
        f"dashboards forgotten, then {requests} warm requests each, alternating"
    )
    page = measure_page(prepared, rounds, requests, log)
    export = measure_exports(prepared, rounds, log)
    return {
        "databases": {
            name: {k: v for k, v in p.items() if k != "folder"} for name, p in prepared.items()
        },
        "page": page,
        "export": export,
        "seconds": round(time.perf_counter() - started, 1),
    }


def print_publish(results: dict, log) -> None:
    mib = 2**20
    dbs, page, export = results["databases"], results["page"], results["export"]
    log("")
    log("Publish: databases and releases")
    header = (
        f"{'database':<10}{'complaints':>12}{'allegations':>13}{'seed s':>9}{'db MiB':>9}"
        f"{'build_release s':>17}{'build MiB RSS':>15}"
    )
    log(header)
    log("-" * len(header))
    for db in dbs.values():
        seed_ = db["seed"]
        seeded = f"{seed_['seconds']:.1f}" + ("*" if seed_["reused"] else "")
        log(
            f"{db['label']:<10}{seed_['complaints']:>12,}{seed_['allegations']:>13,}"
            f"{seeded:>9}{db['database_bytes'] / mib:>9.0f}{db['build_seconds']:>17.1f}"
            f"{db['build_peak_rss_bytes'] / mib:>15.0f}"
        )
    if any(db["seed"]["reused"] for db in dbs.values()):
        log("* reused from an earlier run (--publish-dir): the time its seeding took then")

    log("")
    log(
        f"Dashboard {page['path']} through gunicorn (1 worker, 1 thread), {page['rounds']} rounds: "
        f"cold = first request after the drawn panels left the cache (one per round), "
        f"warm = {page['warm_requests_per_round']} per round"
    )
    lo, hi = page["labels"]["small"], page["labels"]["large"]
    header = (
        f"{'':<22}{lo + ' ms':>10}{hi + ' ms':>10}{hi + '/' + lo:>9}  goal (<= {page['goal']}x)"
    )
    log(header)
    log("-" * len(header))
    for kind, met in (("warm", page["goal_met"]), ("cold", page["cold_goal_met"])):
        for stat in ("median_ms", "p95_ms"):
            small, large = page[kind]["small"][stat], page[kind]["large"][stat]
            goal = ("met" if met else "NOT MET") if stat == "median_ms" else ""
            ratio = page[f"{kind}_ratio"] if stat == "median_ms" else large / small
            log(f"{kind + ' ' + stat[:-3]:<22}{small:>10.1f}{large:>10.1f}{ratio:>8.2f}x  {goal}")
    log(f"warm {hi}/{lo} per round: " + ", ".join(f"{r:.2f}" for r in page["round_warm_ratios"]))
    log(
        f"cold runs ms: {lo} "
        + ", ".join(f"{v:.0f}" for v in page["cold"]["small"]["runs_ms"])
        + f"; {hi} "
        + ", ".join(f"{v:.0f}" for v in page["cold"]["large"]["runs_ms"])
    )

    log("")
    log(
        f"Exports of {export['dataset']}: {export['rows']:,} rows ({export['file_bytes'] / mib:.0f} "
        f"MiB of Parquet, {export['frame_bytes'] / mib:.0f} MiB in memory), best of "
        f"{export['rounds']} rounds, against polars writing the frame in memory to a BytesIO"
    )
    header = (
        f"{'format':<9}{'export s':>10}{'polars s':>10}{'ratio':>8}{'MiB out':>9}{'MiB/s':>8}"
        f"  goal (<= {export['goal']:.0f}x)"
    )
    log(header)
    log("-" * len(header))
    for fmt, row in export["scenarios"].items():
        goal = "information" if row["goal_met"] is None else "met" if row["goal_met"] else "NOT MET"
        log(
            f"{fmt:<9}{row['best_seconds']:>10.3f}{row['polars_best_seconds']:>10.3f}"
            f"{row['ratio']:>7.2f}x{row['bytes'] / mib:>9.1f}{row['mib_per_s']:>8.0f}  {goal}"
        )
    csv = export["scenarios"]["csv"]
    same = "the same" if csv["bytes"] == csv["polars_bytes"] else "NOT the same"
    log(f"CSV: {same} bytes as polars' write_csv ({csv['bytes']:,})")

    memory = export["memory"]
    growth = memory["peak_rss_growth_bytes"]
    log("")
    log(
        "Peak RSS of one export in a fresh process, over the same process importing the same "
        f"modules and looking up the release ({memory['peak_rss_bytes']['large']['imports'] / mib:.0f}"
        " MiB), in MiB"
    )
    header = f"{'rows':>12}{'CSV':>8}{'JSON':>8}{'Parquet':>9}{'frame read whole':>18}"
    log(header)
    log("-" * len(header))
    for size in ("small", "large", "scaled"):
        row = growth[size]
        parquet = f"{row['parquet'] / mib:.0f}" if "parquet" in row else ""
        frame = f"{row['frame'] / mib:.0f}" if "frame" in row else ""
        log(
            f"{memory['rows'][size]:>12,}{row['csv'] / mib:>8.0f}{row['json'] / mib:>8.0f}"
            f"{parquet:>9}{frame:>18}"
        )
    csv, json_ = (
        "n/a" if r is None else f"{r:.2f}x"
        for r in (
            memory["csv_growth_ratio_scaled_to_large"],
            memory["json_growth_ratio_scaled_to_large"],
        )
    )
    log(
        f"{SCALE}x the rows: CSV peak {csv}, JSON {json_} (1 = memory does not grow with the "
        f"rows; n/a: no growth at {export['rows']:,} rows to compare with); the "
        f"{export['rows']:,}-row frame is {export['frame_bytes'] / mib:.0f} MiB by polars' estimate"
    )
    log(f"Publish phase: {results['seconds']:.0f}s")


if __name__ == "__main__":
    child_main(sys.argv[1:])
