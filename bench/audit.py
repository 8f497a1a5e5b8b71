"""The audit log verified at a million events, as ratios to a bare scan of the same rows.

`python -m bench.run audit` (or the audit phase of a whole `make bench`):

1. A database of its own (SQLite in a temporary folder, served by bench.settings with
   BENCH_DATA_DIR pointing at it), migrated, with 40 staff accounts, and 1,000,000 events
   appended to the chain in bulk by `bench.seed.append_audit_events`, the code the web phase's
   seed uses: each event is hashed by `AuditEvent.compute_hash()` after the one before it and
   the head moves to the last, 20,000 events per transaction (a million calls of
   `audit.actions.record`, a transaction each, take about 13 minutes). The events look like
   three years of an office's log: staff requests and report views from an address, state
   changes and case notes (some reasons in Spanish), reports filed by residents (no address),
   sign-ins and failed ones, refusals, and a few command and system events.
2. A fresh child process times, after one untimed scan that brings the file into the page
   cache, interleaved rounds of
     scan    the fourteen columns verify_chain() checks, in sequence order, through the
             database cursor, 5,000 rows at a time, and nothing else: what reading the log
             costs;
     hash    the same scan plus sha256 of each row's values as stored (joined): what reading
             and hashing every row costs, without model instances or canonical JSON;
     verify  `audit.selectors.verify_chain()`, which must answer (1,000,000, None).
   Goal: verify_chain() over 1,000,000 events in under 60 s in every round (the slowest round
   is judged). The ratios verify/scan and verify/hash say how far the verifier is from those
   floors; per round they show drift.
3. The timing child's peak RSS, as the child reads it (bench.memory): the
   verifier reads the log in batches, so it should not grow with the log.

`--audit-dir DIR` keeps the database in DIR and reuses it on the next run (default: a temporary
folder, removed at the end). About 3 minutes with the defaults: 75 s of seeding, then three
rounds of about 35 s.
"""

import datetime
import hashlib
import json
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

from bench.memory import reply
from bench.publish import child

GOAL_SECONDS = 60.0
DEFAULT_EVENTS = 1_000_000
DEFAULT_ROUNDS = 3
BATCH = 20_000
FETCH = 5_000
STAFF = 40
SEED = 7
YEARS = 3
SCENARIOS = ["scan", "hash", "verify"]
LABELS = {
    "scan": "bare scan (baseline)",
    "hash": "scan + sha256 of rows",
    "verify": "verify_chain()",
}
REASONS = [
    "",
    "Assigned to the northern district team",
    "Revisión solicitada por la supervisora",
    "Complainant asked for mediation",
    "Evidence received from the agency",
]
STAFF_PATHS = [
    "/en/staff/reports/{}/",
    "/en/staff/cases/{}/",
    "/en/staff/evidence/{}/",
    "/en/staff/reports/",
    "/en/staff/board/meetings/{}/",
]
STATUSES = ["received", "triage", "investigation", "supervisor_review", "board_review", "closed"]


# --- Child processes ------------------------------------------------------------------------


def migrate() -> dict:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    return {"seconds": round(time.perf_counter() - started, 1)}


def _events(rng: random.Random, staff: list[tuple[int, str]], first: int, count: int, total: int):
    """`count` unsaved events, the `first`-th onwards of `total` spread evenly over the last
    YEARS."""
    from django.utils import timezone

    from commonground.audit.models import AuditEvent

    span = datetime.timedelta(days=YEARS * 365)
    start = timezone.now() - span * (1 - first / total)
    step = span.total_seconds() / total
    for i in range(first, first + count):
        at = start + datetime.timedelta(seconds=(i - first + rng.random()) * step)
        user_id, username = rng.choice(staff)
        address = f"10.20.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        report = str(rng.randrange(1, 150_000))
        kind = rng.random()
        event = {"actor_id": user_id, "actor_label": username, "source": "web", "address": address}
        if kind < 0.45:
            status = 403 if rng.random() < 0.02 else 200
            path = rng.choice(STAFF_PATHS).format(rng.randrange(1, 150_000))
            event |= {
                "action": "request",
                "data": {"method": "GET", "path": path, "status": status},
                "outcome": "denied" if status == 403 else "success",
            }
        elif kind < 0.60:
            event |= {
                "action": "report.view",
                "target_type": "complaints.report",
                "target_id": report,
            }
        elif kind < 0.68:
            before = rng.randrange(len(STATUSES) - 1)
            event |= {
                "action": "report.transition",
                "target_type": "complaints.report",
                "target_id": report,
                "data": {
                    "from": STATUSES[before],
                    "to": STATUSES[before + 1],
                    "outcome": "sustained" if STATUSES[before + 1] == "closed" else "",
                    "reason": rng.choice(REASONS),
                },
            }
        elif kind < 0.73:
            event |= {
                "action": "case.log",
                "target_type": "investigations.case",
                "target_id": report,
                "data": {"entry": i, "kind": "interview", "files": rng.randrange(3)},
            }
        elif kind < 0.88:
            online = rng.random() < 0.7
            event = {
                "actor_id": None if online else user_id,
                "actor_label": "public" if online else username,
                "source": "web",
                "address": None if online else address,
                "action": "report.file",
                "target_type": "complaints.report",
                "target_id": report,
                "data": {"kind": "complaint", "channel": "online", "files": rng.randrange(3)},
            }
        elif kind < 0.95:
            event |= {
                "action": "login.succeeded",
                "target_type": "accounts.user",
                "target_id": str(user_id),
            }
        elif kind < 0.98:
            event = {
                "actor_id": None,
                "actor_label": "public",
                "source": "web",
                "address": address,
                "action": "login.failed",
                "data": {"username": f"{username}{rng.randrange(10)}"},
                "outcome": "failure",
            }
        else:
            event = {
                "actor_id": None,
                "actor_label": rng.choice(["import_records", "scheduler", "publish_release"]),
                "source": rng.choice(["command", "system"]),
                "action": rng.choice(["stops.batch_loaded", "publish.release", "config.change"]),
                "data": {"batch": i, "rows": rng.randrange(100_000), "note": "ñ"},
            }
        yield AuditEvent(occurred_at=at, **event)


def seed(events: int) -> dict:
    """Staff accounts, then `events` events appended to the chain, BATCH per transaction."""
    from django.db import connection, transaction

    from bench.seed import append_audit_events
    from commonground.accounts.models import User

    started = time.perf_counter()
    rng = random.Random(SEED)
    users = User.objects.bulk_create(
        User(username=f"staff{n:02d}", first_name="Staff", last_name=f"Member {n}")
        for n in range(STAFF)
    )
    staff = [(u.pk, u.username) for u in users]
    last = 0
    for first in range(0, events, BATCH):
        batch = list(_events(rng, staff, first, min(BATCH, events - first), events))
        with transaction.atomic():
            last = append_audit_events(batch)
        if (first + BATCH) % 200_000 == 0:
            print(f"    {first + BATCH:,} / {events:,} events", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"events": last, "seconds": round(time.perf_counter() - started, 1)}


def scan(hashing: bool) -> int:
    """Every row's hashed columns in sequence order through the cursor; with `hashing`, each
    row's values (as stored) through sha256 too. Returns the rows read."""
    from django.db import connection

    from bench.seed import AUDIT_FIELDS
    from commonground.audit.models import AuditEvent

    rows = 0
    digest = hashlib.sha256
    columns = ", ".join(AuditEvent._meta.get_field(name).column for name in AUDIT_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM audit_auditevent ORDER BY sequence")
        while batch := cursor.fetchmany(FETCH):
            rows += len(batch)
            if hashing:
                for row in batch:
                    digest("\x1f".join(map(str, row)).encode()).hexdigest()
    return rows


def timings(rounds: int) -> dict:
    """The scenarios in interleaved rounds (the order turning each round) after one untimed
    scan; verify_chain() must find the whole chain intact every time."""
    from commonground.audit.selectors import verify_chain

    def verify() -> int:
        checked, broken = verify_chain()
        if broken is not None:
            raise RuntimeError(f"verify_chain() found a break: {broken}")
        return checked

    runs = {"scan": lambda: scan(False), "hash": lambda: scan(True), "verify": verify}
    rows = scan(False)
    seconds: dict[str, list[float]] = {name: [] for name in SCENARIOS}
    for round_ in range(rounds):
        shift = round_ % len(SCENARIOS)
        for name in SCENARIOS[shift:] + SCENARIOS[:shift]:
            started = time.perf_counter()
            counted = runs[name]()
            seconds[name].append(time.perf_counter() - started)
            if counted != rows:
                raise RuntimeError(f"{name} read {counted:,} events, the log holds {rows:,}")
        print(
            f"    round {round_ + 1}: "
            + ", ".join(f"{name} {seconds[name][-1]:.1f}s" for name in SCENARIOS),
            file=sys.stderr,
            flush=True,
        )
    return {"rows": rows, "seconds": seconds}


def child_main(argv: list[str]) -> None:
    import django

    django.setup()
    command = argv[0]
    if command == "migrate":
        result = migrate()
    elif command == "seed":
        result = seed(int(argv[1]))
    else:
        result = timings(int(argv[1]))
    reply(result)


# --- The phase ------------------------------------------------------------------------------


def prepare(directory: Path, events: int, log) -> dict:
    """The database of `events` events in `directory`: seeded now, or reused if it holds them."""
    marker = directory / "seeded.json"
    if marker.exists() and json.loads(marker.read_text())["events"] == events:
        log(f"  reusing the log of {events:,} events in {directory}")
        return {**json.loads(marker.read_text()), "reused": True}
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    migrated, _rss = child(directory, "migrate", module="bench.audit")
    log(f"  migrated in {migrated['seconds']}s; appending {events:,} events")
    seeded, _rss = child(directory, "seed", events, module="bench.audit")
    marker.write_text(json.dumps(seeded))
    log(f"  seeded {seeded['events']:,} chained events in {seeded['seconds']}s")
    return {**seeded, "reused": False}


def measure_audit(
    directory: Path, log, *, events: int = DEFAULT_EVENTS, rounds: int = DEFAULT_ROUNDS
) -> dict:
    started = time.perf_counter()
    directory = directory / f"log-{events}"
    log(f"Audit: a log of {events:,} chained events in {directory}")
    seeded = prepare(directory, events, log)
    log(f"  {rounds} rounds of {', '.join(SCENARIOS)} (after an untimed scan)")
    timed, verify_rss = child(directory, "time", rounds, module="bench.audit")
    rows, seconds = timed["rows"], timed["seconds"]
    scenarios = {}
    for name in SCENARIOS:
        values = seconds[name]
        scenarios[name] = {
            "median_seconds": round(statistics.median(values), 3),
            "best_seconds": round(min(values), 3),
            "worst_seconds": round(max(values), 3),
            "rows_per_second": round(rows / statistics.median(values)),
            "runs_seconds": [round(v, 3) for v in values],
        }
    for name in SCENARIOS:
        row = scenarios[name]
        for base in ("scan", "hash"):
            row[f"ratio_to_{base}"] = round(
                row["median_seconds"] / scenarios[base]["median_seconds"], 2
            )
    verify = seconds["verify"]
    # The goal is for a million events; a smaller log is judged at the same rate.
    limit = GOAL_SECONDS * rows / DEFAULT_EVENTS
    return {
        "events": rows,
        "seed": seeded,
        "database_bytes": (directory / "bench.sqlite3").stat().st_size,
        "rounds": rounds,
        "scenarios": scenarios,
        "round_verify_to_scan": [
            round(v / s, 2) for v, s in zip(verify, seconds["scan"], strict=True)
        ],
        "verify_peak_rss_bytes": verify_rss,
        "goal": f"{DEFAULT_EVENTS:,} events verified in < {GOAL_SECONDS:.0f} s",
        "goal_seconds": round(limit, 1),
        "goal_met": max(verify) < limit,
        "seconds": round(time.perf_counter() - started, 1),
    }


def print_audit(results: dict, log) -> None:
    log("")
    seed_ = results["seed"]
    log(
        f"Audit: {results['events']:,} chained events "
        f"({results['database_bytes'] / 2**20:.0f} MiB database; seeded in {seed_['seconds']}s"
        + (", reused" if seed_["reused"] else "")
        + f"), {results['rounds']} rounds"
    )
    header = (
        f"{'scenario':<24}{'median s':>10}{'best s':>9}{'worst s':>9}{'rows/s':>11}"
        f"{'/scan':>8}{'/hash':>8}"
    )
    log(header)
    log("-" * len(header))
    for name in SCENARIOS:
        row = results["scenarios"][name]
        log(
            f"{LABELS[name]:<24}{row['median_seconds']:>10.2f}{row['best_seconds']:>9.2f}"
            f"{row['worst_seconds']:>9.2f}{row['rows_per_second']:>11,}"
            f"{row['ratio_to_scan']:>7.2f}x{row['ratio_to_hash']:>7.2f}x"
        )
    worst = results["scenarios"]["verify"]["worst_seconds"]
    log(
        f"Goal: {results['goal']}: {'met' if results['goal_met'] else 'NOT MET'} (slowest round "
        f"{worst:.1f}s against {results['goal_seconds']:.0f}s); verify/scan per round: "
        + ", ".join(f"{r:.2f}" for r in results["round_verify_to_scan"])
    )
    if results["verify_peak_rss_bytes"]:
        log(
            f"Peak RSS of the timing process (scans and verifications): "
            f"{results['verify_peak_rss_bytes'] / 2**20:.0f} MiB"
        )
    log(f"Audit phase: {results['seconds']:.0f}s")


if __name__ == "__main__":
    child_main(sys.argv[1:])
