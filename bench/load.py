"""Fifty visitors at once for five minutes: the public pages, resident intake and the open-data
API through gunicorn, driven by locust, against the bare view under the same load.

`python -m bench.run load` (or the load phase of a whole `make bench`):

1. The web phase's database (bench.settings; 100,000 seeded reports, kept between runs), to which
   the first run adds the demo agency (`demo.builder.build`, what `manage.py demo_data` runs:
   officers, 3,500 reports worked through the real actions with allegations and findings, stops
   and use of force, policies; about three minutes, once) and gives the seeded complaints past
   triage a district, a roster officer and one to three allegations each (`seed_allegations`:
   about 160,000, so the allegation-records API filters 165,000 rows). Then a release of the
   public data is built from all of it (`publish.actions.build_release`, what `manage.py
   publish_release` and the nightly task run), so the figures, the catalogue and the API count
   every report.
2. gunicorn serves it as in the web phase (2 workers x 4 threads, gthread, a new connection per
   request as behind a load balancer), with the API's anonymous rate limit raised
   (API_RATE_LIMIT) and one proxy trusted for the client's address (API_NUM_PROXIES=1): every
   simulated visitor has an address of its own, and each is throttled on it, never stopped.
3. Untimed, the benchmark opens the hub pages and follows their links, so it knows every
   dashboard, dataset page and policy with the heading each must show again under load; it
   reads the API's catalogue and each count table, and counts the allegation records per
   filter, so it knows what each API answer must hold. This also draws the dashboards, as the
   first visitors after a release would.
4. locust, in a child process (bench/load_users.py says what a visitor does and checks), starts
   50 users over 10 seconds, lets them run 30 seconds more unmeasured (each gunicorn worker
   loads what the pages need: polars, the chart code, the templates), then 300 seconds measured;
   each user reads for 2 s on average between requests (about 25 requests a second in all).
   At the end the database must hold one new report for each tracking code the intake handed
   out.

Reported per group (pages, status lookup, intake, API), per request name and overall (all but
the bare view): requests, requests/s, p50, p95, p99 and the slowest latency, errors and the
error rate. The baseline is the bare view (no database, no template) requested by the same
visitors in the same run: each group's p95 is also given as a multiple of the bare view's p95.
The p95 per minute shows drift; gunicorn's CPU time per request, the load generator's share of a
core (whether the client kept up) and the CPU other processes took during the run (on a shared
machine: a warning above a quarter of a core) say what the latencies were made of. Goal: p95
under 500 ms in each group and overall, and no error (in the whole run, warm-up included).

About 6.5 minutes with the defaults once the database is there (5 minutes 40 s of load, up to
a minute collecting static files when the web phase has not done it in the same run); the first
run adds the demo agency (4 minutes) and, if the web phase has not run, the seeding (1.5
minutes). For a quick check: `python -m bench.run load --load-seconds 30 --load-users 10`.
"""

import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

GOAL_P95_MS = 500.0
DEFAULT_USERS = 50
DEFAULT_SECONDS = 300
DEFAULT_SPAWN_SECONDS = 10
DEFAULT_WARMUP_SECONDS = 30
DEFAULT_THINK = 2.0
# Far above what any one visitor asks in a run; the limiter still runs on every API request.
SERVER_ENV = {"API_RATE_LIMIT": "100000/hour", "API_NUM_PROXIES": "1"}
GROUPS = {
    "page": "pages",
    "lookup": "status lookup",
    "intake": "intake",
    "api": "API",
    "bare": "bare view (baseline)",
}
H1_RE = re.compile(r"<h1\b[^>]*>.*?</h1>", re.S)
# Other processes busier than this (in cores) during the run: the figures carry a warning.
BUSY_CORES = 0.25
# Sample values per filter of a count table, so the checks stay quick to plan.
VALUES_PER_FILTER = 3


# --- The database ----------------------------------------------------------------------------


def prepare(reports: int, log, *, static: bool = True) -> dict:
    """The web phase's database with the demo agency and a fresh release; the lookup codes."""
    from django.db import connection

    from bench.run import prepare_database, report_count
    from bench.seed import seed_allegations
    from commonground.demo.builder import AGENCY_NAME, build
    from commonground.lib.database import refresh_statistics
    from commonground.publish.actions import build_release
    from commonground.roster.models import Agency

    codes, seed_seconds = prepare_database(reports, static=static)
    started = time.perf_counter()
    demo_added = not Agency.objects.filter(name=AGENCY_NAME).exists()
    if demo_added:
        log(f"Adding the demo agency ({AGENCY_NAME}) to the database, once (about 3 minutes)")
    summary = build(progress=lambda line: log(f"  {line}"))
    seed_allegations(log=log)
    demo_seconds = time.perf_counter() - started
    started = time.perf_counter()
    release = build_release(progress=lambda line: None)
    release_seconds = time.perf_counter() - started
    # As the nightly upkeep task and demo_data do: the planner's statistics for what was added.
    refresh_statistics()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    log(
        f"Release {release.pk} built in {release_seconds:.1f}s over {report_count():,} reports"
        + (f" (demo agency added in {demo_seconds:.0f}s)" if summary is not None else "")
    )
    return {
        "codes": codes,
        "setup": {
            "database_seconds": round(seed_seconds, 1),
            "demo_added": summary is not None,
            "demo_seconds": round(demo_seconds, 1),
            "release_seconds": round(release_seconds, 1),
            "release_rows": {f.dataset: f.rows for f in release.files.all()},
        },
    }


# --- What there is to ask for ------------------------------------------------------------------


def _links(body: str, prefix: str) -> list[str]:
    return sorted(set(re.findall(rf'href="({re.escape(prefix)}[-a-z0-9]+/)"', body)))


def discover_pages(port: int) -> dict:
    """Every public page reachable from the hubs, with the heading it must show again."""
    from bench.run import BenchError, Client

    client = Client(port)
    pages: dict[str, list[dict]] = {
        "home": [],
        "figures": [],
        "dashboard": [],
        "catalogue": [],
        "dataset": [],
        "policies": [],
        "policy": [],
    }

    def visit(kind: str, path: str, *marks: str) -> str:
        resp = client.request("GET", path)
        heading = H1_RE.search(resp.body)
        missing = [m for m in marks if m not in resp.body]
        if resp.status != 200 or not heading or missing:
            raise resp.fail(f"the {kind} page {path}")
        pages[kind].append({"path": path, "h1": heading.group(0), "marks": list(marks)})
        return resp.body

    visit("home", "/en/")
    for link in _links(visit("figures", "/en/figures/"), "/en/figures/"):
        visit("dashboard", link, "<svg", "<table")  # every chart with its table
    for link in _links(visit("catalogue", "/en/data/"), "/en/data/"):
        visit("dataset", link, "<table")
    for link in _links(visit("policies", "/en/policies/"), "/en/policies/"):
        visit("policy", link)
    empty = [kind for kind, found in pages.items() if not found]
    if empty:
        raise BenchError(f"no {', '.join(empty)} page linked from the hubs")
    return pages


def _get_json(client, path: str, params: dict | None = None) -> dict:
    url = path + ("?" + urllib.parse.urlencode(params) if params else "")
    resp = client.request("GET", url)
    if resp.status != 200:
        raise resp.fail(f"GET {url}")
    return json.loads(resp.body)


def discover_api(port: int) -> dict:
    """The API's datasets; count-table queries (whole, and filtered by values the tables hold)
    and allegation-record queries, each with the count its answer must give."""
    from django.utils import timezone
    from rest_framework.exceptions import ValidationError

    from bench.run import BenchError, Client
    from commonground.complaints.models import AllegationCategory, Channel, Finding
    from commonground.publish import api
    from commonground.publish import datasets as ds
    from commonground.roster.models import District

    rng = random.Random(5)
    client = Client(port)
    catalogue = _get_json(client, "/api/v1/datasets/", {"page_size": 100})
    tables = []
    # Values a table holds that its filter does not accept (asking would be a 400, not load).
    refused: list[str] = []
    for entry in catalogue["results"]:
        if entry["kind"] == "records":
            continue
        path = urllib.parse.urlsplit(entry["api"]).path
        rows = _get_json(client, path, {"page_size": api.MAX_PAGE_SIZE})["results"]
        tables.append({"path": path, "params": {}, "count": len(rows)})
        for query in api.table_filters(ds.DATASETS[entry["slug"]]):
            values = []
            for value in sorted({str(row[query.name]) for row in rows}):
                try:
                    query.check(value)
                    values.append(value)
                except ValidationError:
                    refused.append(f"{path}?{query.name}={value}")
            for value in rng.sample(values, min(VALUES_PER_FILTER, len(values))):
                count = sum(str(row[query.name]) == value for row in rows)
                tables.append({"path": path, "params": {query.name: value}, "count": count})

    districts = list(District.objects.order_by("code").values_list("code", flat=True))
    today = timezone.localdate()
    # Twelve months, from a year and a half ago.
    first = today.year * 12 + today.month - 1 - 18
    months = [f"{m // 12}-{m % 12 + 1:02d}" for m in (first, first + 11)]
    candidates = [
        {},
        *({"category": c} for c in AllegationCategory.values),
        *({"finding": f} for f in Finding.values),
        *({"channel": c} for c in Channel.values),
        *({"district": d} for d in districts),
        *(
            {"category": c, "district": d}
            for c in AllegationCategory.values[:3]
            for d in districts[:3]
        ),
        {"received_from": months[0], "received_to": months[1]},
    ]
    # The month filters are checked through the count; the others on every row too.
    fields = {"received_from": None, "received_to": None}
    records = []
    for params in candidates:
        count = _get_json(client, "/api/v1/allegations/", {**params, "page_size": 1})["count"]
        if count:
            records.append({"params": params, "count": count, "fields": fields})
    if not tables or not records:
        raise BenchError("the API has no count tables or no allegation records to ask for")
    return {
        "datasets": catalogue["count"],
        "tables": tables,
        "records": records,
        "refused": refused,
    }


# --- The run ----------------------------------------------------------------------------------


def machine_cpu_seconds() -> float | None:
    """CPU seconds all processes have used since boot (/proc/stat); None where it is missing."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields)
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def run_locust(plan: dict, directory: Path, timeout: float) -> tuple[dict, float]:
    """bench.load_users in a child process; its answer and the CPU seconds it used."""
    from bench.run import BASE_DIR, BenchError, tail

    plan_path, out_path = directory / "load-plan.json", directory / "load-samples.json"
    plan_path.write_text(json.dumps(plan))
    out_path.unlink(missing_ok=True)
    log_path = directory / "locust.log"
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.load_users", str(plan_path), str(out_path)],
            cwd=BASE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + timeout
    try:
        # Reaped by wait4 (not poll), for the CPU time the child used.
        while not (reaped := os.wait4(process.pid, os.WNOHANG))[0]:
            if time.monotonic() > deadline:
                process.kill()
                reaped = os.wait4(process.pid, 0)
                break
            time.sleep(0.5)
        _pid, status, usage = reaped
        process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if process.returncode is None:  # the run was interrupted: no visitors left behind
            process.kill()
            process.wait()
    if process.returncode or not out_path.exists():
        raise BenchError(f"locust did not finish ({status}):\n{tail(log_path)}")
    return json.loads(out_path.read_text()), usage.ru_utime + usage.ru_stime


def percentile(ordered: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summarise(samples: list[list], seconds: float) -> dict:
    latencies = sorted(s[2] for s in samples)
    errors = sum(1 for s in samples if s[4])
    if not latencies:
        return {"requests": 0, "errors": errors}
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / seconds, 2),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(latencies[-1], 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "errors": errors,
        "error_rate": round(errors / len(latencies), 5),
    }


def analyse(answer: dict) -> dict:
    start, end = answer["measured_from"], answer["measured_until"]
    window = end - start
    measured = [s for s in answer["samples"] if start <= s[1] < end]
    group_of = {name: name.split(":")[0] for name in {s[0] for s in answer["samples"]}}
    groups = {
        key: summarise([s for s in measured if group_of[s[0]] == key], window) for key in GROUPS
    }
    served = [s for s in measured if group_of[s[0]] != "bare"]
    overall = summarise(served, window)
    names = {
        name: summarise([s for s in measured if s[0] == name], window)
        for name in sorted({s[0] for s in measured})
    }
    base = groups["bare"].get("p95_ms")
    for row in (*groups.values(), overall, *names.values()):
        if row.get("p95_ms") is not None and base:
            row["p95_to_bare"] = round(row["p95_ms"] / base, 1)
    errors: dict[str, int] = {}
    for s in answer["samples"]:
        if s[4]:
            key = f"{s[0]}: {s[4]}"
            errors[key] = errors.get(key, 0) + 1
    # Whole minutes from the end of the start-up; a part minute at the end joins the last one.
    minutes = []
    count = max(1, int(window // 60))
    for k in range(count):
        lo, hi = 60 * k, 60 * (k + 1) if k < count - 1 else math.inf
        ordered = sorted(s[2] for s in served if lo <= s[1] - start < hi)
        if ordered:
            minutes.append(round(percentile(ordered, 95), 1))
    return {
        "measured_seconds": round(window, 1),
        "groups": groups,
        "overall": overall,
        "requests": names,
        "errors_by_request": dict(sorted(errors.items(), key=lambda e: -e[1])),
        "p95_ms_per_minute": minutes,
        "requests_in_run": len(answer["samples"]),
        "errors_in_run": sum(1 for s in answer["samples"] if s[4]),
    }


def measure_load(
    args,
    log,
    *,
    users: int = DEFAULT_USERS,
    seconds: int = DEFAULT_SECONDS,
    spawn_seconds: int = DEFAULT_SPAWN_SECONDS,
    warmup_seconds: int = DEFAULT_WARMUP_SECONDS,
    think: float = DEFAULT_THINK,
    static: bool = True,
) -> dict:
    """The phase; `static=False` when the web phase of the same run has collected the static
    files."""
    from django.conf import settings

    from bench.run import (
        BenchError,
        free_port,
        report_count,
        server_cpu_clock,
        start_server,
        stop_server,
        tail,
        wait_ready,
    )

    started = time.perf_counter()
    prepared = prepare(args.reports, log, static=static)
    directory = Path(settings.BENCH_DATA_DIR)
    port = free_port()
    log_path = directory / "gunicorn-load.log"
    server = start_server(port, args.workers, args.threads, log_path, env=SERVER_ENV)
    try:
        wait_ready(server, port, log_path)
        log(f"gunicorn ready on 127.0.0.1:{port} (pid {server.pid}); reading the hubs and the API")
        pages = discover_pages(port)
        api = discover_api(port)
        log(
            f"  {sum(len(p) for p in pages.values())} pages, {len(api['tables'])} count-table and "
            f"{len(api['records'])} allegation-record queries; {len(prepared['codes'])} codes"
        )
        if api["refused"]:
            log(
                f"  not asked: {len(api['refused'])} filter values the tables hold but their "
                f"filters refuse (a 400), e.g. {api['refused'][0]}"
            )
        plan = {
            "host": f"http://127.0.0.1:{port}",
            "users": users,
            "seconds": seconds,
            "spawn_seconds": spawn_seconds,
            "warmup_seconds": warmup_seconds,
            "think": think,
            "pages": pages,
            "codes": prepared["codes"],
            "api": api,
        }
        before = report_count()
        cpu_clock = server_cpu_clock(server.pid)
        cpu_before, machine_before = cpu_clock(), machine_cpu_seconds()
        log(
            f"locust: {users} users started over {spawn_seconds}s, {warmup_seconds}s of warm-up, "
            f"then {seconds}s measured "
            f"({think:g}s reading between requests on average)"
        )
        run_started = time.perf_counter()
        answer, client_cpu = run_locust(
            plan, directory, spawn_seconds + warmup_seconds + seconds + 180
        )
        run_seconds = time.perf_counter() - run_started
        cpu_after, machine_after = cpu_clock(), machine_cpu_seconds()
    except BenchError as error:
        raise BenchError(f"{error}\n--- gunicorn log ---\n{tail(log_path)}") from None
    finally:
        stop_server(server)

    created = report_count() - before
    codes = answer["codes"]
    results = analyse(answer)
    consistent = created == len(codes) == len(set(codes))
    log(
        f"Checked: {len(codes)} tracking codes handed out, {created} reports created"
        + ("" if consistent else " (MISMATCH: counted as an error)")
    )
    total = results["requests_in_run"]
    server_cpu = cpu_after - cpu_before if cpu_before is not None else None
    others = None
    if server_cpu is not None and machine_before is not None:
        others = max(0.0, machine_after - machine_before - server_cpu - client_cpu) / run_seconds
    met = (
        results["errors_in_run"] == 0
        and consistent
        and all(
            row.get("p95_ms", math.inf) < GOAL_P95_MS
            for key, row in results["groups"].items()
            if key != "bare"
        )
        and results["overall"].get("p95_ms", math.inf) < GOAL_P95_MS
    )
    results.update(
        users=users,
        seconds=seconds,
        spawn_seconds=spawn_seconds,
        warmup_seconds=warmup_seconds,
        users_measured=answer["users_measured"],
        think_seconds=think,
        server={
            "workers": args.workers,
            "threads": args.threads,
            "worker_class": "gthread",
            "environment": SERVER_ENV,
        },
        reports_in_db=report_count(),
        reports_created=created,
        tracking_codes=len(codes),
        reports_consistent=consistent,
        server_cpu_ms_per_request=round(server_cpu * 1000 / total, 2) if server_cpu else None,
        server_cpu_cores=round(server_cpu / run_seconds, 2) if server_cpu else None,
        client_cpu_cores=round(client_cpu / run_seconds, 2),
        # Every process but gunicorn and locust (others' work on a shared machine shows here).
        other_cpu_cores=round(others, 2) if others is not None else None,
        setup=prepared["setup"],
        api_filter_values_refused=api["refused"],
        goal=f"p95 < {GOAL_P95_MS:.0f} ms in each group and overall, no error",
        goal_met=met,
        phase_seconds=round(time.perf_counter() - started, 1),
    )
    return results


def print_load(results: dict, log) -> None:
    log("")
    log(
        f"Load: {results['users']} locust users for {results['measured_seconds']:.0f}s measured "
        f"({results['think_seconds']:g}s reading between requests), gunicorn "
        f"{results['server']['workers']} workers x {results['server']['threads']} threads, "
        f"{results['reports_in_db']:,} reports in the database"
    )

    def header(label: str) -> str:
        return (
            f"{label:<24}{'requests':>9}{'rps':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
            f"{'max ms':>9}{'errors':>8}{'p95/bare':>10}"
        )

    def line(label: str, row: dict) -> str:
        if not row.get("requests"):
            return f"{label:<24}{0:>9}"
        return (
            f"{label[:23]:<24}{row['requests']:>9}{row['rps']:>8.1f}{row['p50_ms']:>9.1f}"
            f"{row['p95_ms']:>9.1f}{row['p99_ms']:>9.1f}{row['max_ms']:>9.0f}{row['errors']:>8}"
            f"{row.get('p95_to_bare', 0):>9.1f}x"
        )

    log(header("group"))
    log("-" * len(header("group")))
    for key, label in GROUPS.items():
        log(line(label, results["groups"][key]))
    log(line("overall (without bare)", results["overall"]))
    log("")
    log("Per request:")
    log(header("request"))
    for name, row in results["requests"].items():
        log(line(name, row))
    log("")
    log(
        "p95 ms per minute (without bare): "
        + ", ".join(f"{v:.0f}" for v in results["p95_ms_per_minute"])
    )
    cpu = results["server_cpu_ms_per_request"]
    log(
        f"gunicorn CPU {cpu} ms per request ({results['server_cpu_cores']} cores busy); locust "
        f"{results['client_cpu_cores']} cores; other processes {results['other_cpu_cores']} "
        f"cores; {results['reports_created']} reports filed, {results['tracking_codes']} "
        "tracking codes"
    )
    if (results["other_cpu_cores"] or 0) > BUSY_CORES:
        log(
            f"WARNING: other processes kept {results['other_cpu_cores']} of the machine's "
            f"{os.cpu_count()} cores busy during the run: latencies include waiting for them"
        )
    for message, count in list(results["errors_by_request"].items())[:10]:
        log(f"  error x{count}: {message}")
    overall = results["overall"]
    log(
        f"Goal: {results['goal']}: {'met' if results['goal_met'] else 'NOT MET'} (overall p95 "
        f"{overall.get('p95_ms')} ms, {results['errors_in_run']} errors in "
        f"{results['requests_in_run']} requests)"
    )
    log(f"Load phase: {results['phase_seconds']:.0f}s")
