"""`make bench`: the public status lookup and intake submission as ratios to a bare view, the
stop analyses as ratios to a bare scan of their file, the public figures and bulk files at a
million complaints as ratios to the same at ten thousand and to polars' own writers, the audit
log's verification at a million events as a ratio to a bare scan of it, fifty visitors at
once (pages, intake, API) through locust against the bare view under the same load, and the
surveys' raking of a million responses as a ratio to svy's (weightipy's and balance's too) on
the same data, with a wave's estimate table as a ratio to a bare polars group-by of its cells.

`python -m bench.run web` (or stops, publish, audit, load, surveys; several may be named) runs
those phases; all six run by default. The stops phase is described in bench/stops.py, the publish
phase in bench/publish.py, the audit phase in bench/audit.py, the load phase in bench/load.py and
the surveys phase (raking and estimate tables) in bench/surveys.py.

What each phase took in a whole run on the 2-core benchmark machine, with the defaults: web 1.5
minutes, stops 0.5, publish 5, audit 3.5 (75 s of it seeding a million events), load 6.5 (5 of
them measured), surveys 6.5 (measured while the machine was busy); about 24 minutes in all. The web and load phases share a database, kept between
runs: the first run seeds its 100,000 reports (1.5 minutes more) and the load phase adds the
demo agency to it (4 minutes more). The web phase collects the static files first (half a
minute to a minute), and so does the load phase when the web phase is not in the run.

The web phase sets up a database of its own (bench.settings) with 100,000 reports, serves it with
gunicorn on a free loopback port, and drives three scenarios from client threads in this process:

  bare    GET /bench/bare             HttpResponse("ok"): no database, no template (the baseline)
  lookup  POST /en/status/            a valid tracking code; must answer 200 with the timeline
  submit  POST /en/report/submit/     the last step of the public form; must create a report

Each submit needs its own session draft and submission token, so before a submit phase every
client walks kind -> reporter -> when -> what -> review (untimed); only the submit POST is timed.
Scenarios are interleaved in rounds (bare, lookup, submit, ..., bare) so the baseline sees the same
machine as the rest, and results are reported as ratios to it: absolute timings on a shared 2-core
machine mean little. Results go to stdout and bench/results/latest.json (latest-PHASE.json for a
run of one phase, latest-PHASE-PHASE.json for several).
"""

import argparse
import datetime
import html
import http.client
import json
import math
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

from bench import audit, load, publish, surveys
from bench.stops import DEFAULT_ROUNDS as DEFAULT_STOP_ROUNDS
from bench.stops import DEFAULT_ROWS as DEFAULT_STOP_ROWS
from bench.stops import measure_stops, print_stops

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
SETTINGS = "bench.settings"

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN_RE = re.compile(r'name="submission_token" value="([^"]+)"')
CODE_RE = re.compile(r'id="tracking-code">([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<')


class BenchError(RuntimeError):
    """A request did not do what the scenario measures (an error page is not a result)."""


def log(message: str) -> None:
    print(message, flush=True)


# --- HTTP client ------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str
    seconds: float

    def fail(self, what: str) -> BenchError:
        """The error, with the page's main text (where a form's error messages are)."""
        main = re.search(r"<main\b.*?</main>", self.body, re.S)
        text = re.sub(r"<[^>]+>", " ", main.group(0) if main else self.body)
        snippet = re.sub(r"\s+", " ", html.unescape(text)).strip()[:400]
        return BenchError(f"{what}: HTTP {self.status} {snippet!r}")


class Client:
    """One browser: its own cookies, a new connection per request (so gunicorn's workers share
    the load as they would behind a load balancer)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, fields: dict | None = None) -> Response:
        headers = {"Connection": "close", "Accept-Language": "en"}
        body = None
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        seconds = time.perf_counter() - started
        for header in resp.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(resp.status, resp.msg, data.decode("utf-8", "replace"), seconds)

    def get_form(self, path: str) -> Response:
        resp = self.request("GET", path)
        match = CSRF_RE.search(resp.body)
        if resp.status != 200 or not match:
            raise resp.fail(f"GET {path} gave no form")
        self.csrf = html.unescape(match.group(1))
        return resp

    def post(self, path: str, fields: dict) -> Response:
        return self.request("POST", path, {"csrfmiddlewaretoken": self.csrf, **fields})


# --- Scenarios --------------------------------------------------------------------------------


def bare(port: int):
    def setup():
        return None

    def work(i: int, state) -> float:
        resp = Client(port).request("GET", "/bench/bare")
        if resp.status != 200 or resp.body != "ok":
            raise resp.fail("bare view")
        return resp.seconds

    return setup, work


def lookup(port: int, codes: list[str]):
    def setup():
        client = Client(port)
        client.get_form("/en/status/")
        return client

    def work(i: int, client: Client) -> float:
        code = codes[i % len(codes)]
        resp = client.post("/en/status/", {"code": code})
        # A real status page: its timeline with the current stage (the code itself is echoed
        # only while the report is open, in the form for adding information).
        if resp.status != 200 or 'aria-current="step"' not in resp.body:
            raise resp.fail(f"status lookup of {code}")
        return resp.seconds

    return setup, work


STEP_PATH = "/en/report/{}/"


def _step(client: Client, step: str, fields: dict, then: str) -> None:
    resp = client.post(STEP_PATH.format(step), fields)
    location = resp.headers.get("Location", "")
    if resp.status != 302 or not location.endswith(STEP_PATH.format(then)):
        raise resp.fail(f"intake step {step!r} did not move on to {then!r}")


def walk_to_review(port: int, i: int) -> tuple[Client, str]:
    """A resident fills in the form up to the review page; returns them and the review's token.

    Varies what is filed: one in five is a commendation, half give a name and an e-mail address
    (so the contact details are encrypted and the tracking-code e-mail is queued)."""
    client = Client(port)
    client.get_form(STEP_PATH.format("kind"))
    kind = "commendation" if i % 5 == 4 else "complaint"
    _step(client, "kind", {"kind": kind}, "reporter")
    if i % 2:
        reporter = {"reporter_type": "anonymous", "language": "en"}
    else:
        reporter = {
            "reporter_type": "self",
            "name": f"Bench Resident {i}",
            "contact_method": "email",
            "email": f"resident{i}@example.org",
            "language": "es" if i % 10 == 0 else "en",
        }
    _step(client, "reporter", reporter, "when")
    when = {
        "timing": "exact",
        "incident_date": (datetime.date.today() - datetime.timedelta(days=3)).isoformat(),
        "incident_time": "14:30",
        "location": "Main St and 3rd Ave",
        "district": "",
    }
    _step(client, "when", when, "what")
    narrative = (
        "I was stopped while walking home from work. The officer asked for my identification "
        "and did not say why. I asked for a badge number and was refused. " * 4
    )
    _step(client, "what", {"narrative": narrative}, "officers")
    resp = client.get_form("/en/report/review/")
    match = TOKEN_RE.search(resp.body)
    if not match:
        raise resp.fail("review page has no submission token")
    return client, html.unescape(match.group(1))


def submit(port: int, prepared: list[tuple[Client, str]], codes_out: list[str]):
    lock = threading.Lock()

    def setup():
        return None

    def work(i: int, state) -> float:
        client, token = prepared[i]
        resp = client.post("/en/report/submit/", {"submission_token": token})
        match = CODE_RE.search(resp.body)
        if resp.status != 200 or not match:
            raise resp.fail("intake submission")
        with lock:
            codes_out.append(match.group(1))
        return resp.seconds

    return setup, work


# --- Load generation --------------------------------------------------------------------------


@dataclass
class Phase:
    scenario: str
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    server_cpu: float | None = None
    timed_out: bool = False

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0


def run_phase(
    scenario: str,
    setup,
    work,
    n: int,
    concurrency: int,
    time_limit: float,
    cpu_clock=lambda: None,
) -> Phase:
    """n requests from `concurrency` threads; each thread's setup (e.g. fetching a CSRF token)
    happens before the clocks start. Stops early, flagged, at the time limit; raises on any
    request that did not do what the scenario measures."""
    phase = Phase(scenario)
    counter = iter(range(n))
    lock = threading.Lock()
    ready = threading.Barrier(concurrency + 1)
    go = threading.Event()
    errors: list[BaseException] = []
    stop = threading.Event()
    deadline = [math.inf]

    def worker():
        state = None
        try:
            state = setup()
        except BaseException as error:
            errors.append(error)
            stop.set()
        mine = []
        ready.wait()
        go.wait()
        while not stop.is_set():
            with lock:
                i = next(counter, None)
            if i is None:
                break
            if time.perf_counter() > deadline[0]:
                phase.timed_out = True
                break
            try:
                mine.append(work(i, state))
            except BaseException as error:
                errors.append(error)
                stop.set()
        with lock:
            phase.latencies += mine

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    ready.wait()
    cpu_before = cpu_clock()
    started = time.perf_counter()
    deadline[0] = started + time_limit
    go.set()
    for t in threads:
        t.join()
    phase.wall = time.perf_counter() - started
    cpu_after = cpu_clock()
    if cpu_before is not None and cpu_after is not None:
        phase.server_cpu = cpu_after - cpu_before
    if errors:
        raise BenchError(f"{scenario}: {errors[0]}") from errors[0]
    return phase


def prepare_submissions(
    port: int, n: int, concurrency: int, start: int, time_limit: float
) -> list[tuple[Client, str]]:
    """n residents at the review page, each with a session draft and a submission token."""
    prepared: list = [None] * n

    def work(i: int, state) -> float:
        prepared[i] = walk_to_review(port, start + i)
        return 0.0

    phase = run_phase("submit (prepare)", lambda: None, work, n, concurrency, time_limit)
    if phase.timed_out:
        raise BenchError(f"preparing {n} submissions took over {time_limit:.0f}s")
    return prepared


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summarise(phases: list[Phase]) -> dict:
    latencies = [x for p in phases for x in p.latencies]
    wall = sum(p.wall for p in phases)
    return {
        "requests": len(latencies),
        "wall_seconds": round(wall, 3),
        "rps": len(latencies) / wall,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "max_ms": max(latencies) * 1000,
        "phase_rps": [round(p.rps, 1) for p in phases],
        "server_cpu_ms": (
            sum(p.server_cpu for p in phases) / len(latencies) * 1000
            if all(p.server_cpu is not None for p in phases)
            else None
        ),
        "timed_out": any(p.timed_out for p in phases),
    }


# --- Server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    port: int, workers: int, threads: int, log_path: Path, env: dict | None = None
) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, **(env or {})}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "commonground.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    with log_path.open("wb") as out:
        return subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )


def wait_ready(server: subprocess.Popen, port: int, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited ({server.returncode}):\n{tail(log_path)}")
        try:
            if Client(port).request("GET", "/bench/bare").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"gunicorn not ready after {timeout:.0f}s:\n{tail(log_path)}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def server_cpu_clock(master_pid: int):
    """CPU seconds used so far by gunicorn (master and workers): a cost per request that, unlike
    throughput, barely moves when other processes load the machine. None where /proc is missing."""

    def task_seconds(pid: str) -> float:
        total = 0.0
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return 0.0
        for tid in tasks:
            try:  # nanoseconds on the CPU, per thread
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0]) / 1e9
            except (OSError, ValueError, IndexError):
                pass
        return total

    def clock() -> float | None:
        if not Path("/proc/self/schedstat").exists():
            return None
        pids = [master_pid, *worker_pids(master_pid)]
        return sum(task_seconds(str(pid)) for pid in pids)

    return clock


def worker_pids(master_pid: int) -> list[int]:
    """gunicorn's workers: the processes whose parent is the master."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if stat.rsplit(")", 1)[-1].split()[1] == str(master_pid):
            pids.append(int(entry))
    return pids


# --- Main -------------------------------------------------------------------------------------


def prepare_database(reports: int, *, static: bool = True) -> tuple[list[str], float]:
    """Migrated and seeded (or reused); with `static`, the static files collected (a minute,
    which a second phase of the same run can skip)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from bench import seed

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    if static:
        call_command("collectstatic", interactive=False, verbosity=0)
    log(f"Database {settings.DATABASES['default']['NAME']} migrated")
    added = seed.seed(reports, settings.BENCH_DATA_DIR, log=log)
    codes = seed.ensure_lookup_codes(settings.BENCH_DATA_DIR, log=log)
    if added:
        # Fold the seed's write-ahead log into the database so the first phase does not pay for it.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    elapsed = time.perf_counter() - started
    log(
        f"Seeded {added:,} reports in {elapsed:.1f}s"
        if added
        else f"Reusing the seeded database ({elapsed:.1f}s to check it)"
    )
    return codes, elapsed


def report_count() -> int:
    from commonground.complaints.models import Report

    return Report.objects.count()


LABELS = {
    "bare": "bare view (baseline)",
    "lookup": "status lookup",
    "submit": "intake submit",
}


def print_table(results: dict) -> None:
    rows = results["scenarios"]
    log("")
    log(
        f"Common Ground benchmark: {results['reports_in_db']:,} reports in the database; "
        f"gunicorn {results['server']['workers']} workers x {results['server']['threads']} "
        f"threads, {results['load']['concurrency']} client threads, {results['machine']['cpus']} CPUs"
    )
    header = (
        f"{'scenario':<22}{'requests':>9}{'rps':>9}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'rps/bare':>10}{'p95/bare':>10}{'cpu ms':>9}{'cpu/bare':>10}"
    )
    log(header)
    log("-" * len(header))
    for name in ("bare", "lookup", "submit"):
        r = rows[name]
        cpu = "n/a" if r["server_cpu_ms"] is None else f"{r['server_cpu_ms']:.2f}"
        cpu_ratio = "n/a" if r["cpu_ratio"] is None else f"{r['cpu_ratio']:.1f}x"
        log(
            f"{LABELS[name]:<22}{r['requests']:>9}{r['rps']:>9.1f}{r['p50_ms']:>9.1f}"
            f"{r['p95_ms']:>9.1f}{r['rps_ratio']:>10.3f}{r['p95_ratio']:>9.2f}x"
            f"{cpu:>9}{cpu_ratio:>10}"
        )
    log("")
    log(
        "rps/bare: throughput as a fraction of the bare view's; p95/bare: how many times the "
        "bare view's p95 latency;\ncpu ms: gunicorn's CPU time per request (steadier than "
        "throughput on a busy machine); cpu/bare: how many times the bare view's."
    )
    log("bare rps per phase: " + ", ".join(f"{x:.0f}" for x in rows["bare"]["phase_rps"]))
    ingest = results.get("ingest")
    if ingest:
        log(
            f"\nEvidence ingest of {ingest['bytes'] // 2**20} MiB through the footage form "
            f"({ingest['runs']} runs): throughput {ingest['throughput_ratio_median']:.2f}x "
            f"sha256sum's (median; goal >= 0.8x; runs "
            + ", ".join(f"{r:.2f}" for r in ingest["throughput_ratios"])
            + f"), {ingest['upload_mib_per_s_median']} MiB/s; peak RSS growth "
            f"{ingest['peak_rss_growth_mib_max']} MiB at most (goal < 64 MiB)"
        )
    for name in ("lookup", "submit"):
        ratios = rows[name]["round_rps_ratios"]
        log(
            f"{LABELS[name]} rps/bare per round: "
            + ", ".join(f"{x:.3f}" for x in ratios)
            + f" (median {statistics.median(ratios):.3f})"
        )


PHASES = ["web", "stops", "publish", "audit", "load", "surveys"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="The web, stops, publish, audit, load and surveys benchmarks, as ratios to baselines "
        "measured in the run."
    )
    parser.add_argument(
        "phases",
        nargs="*",
        metavar="PHASE",
        help="web (status lookup, intake and evidence ingest through gunicorn), stops (the stop "
        "analyses, see bench/stops.py), publish (dashboards and bulk files at a million "
        "complaints, see bench/publish.py), audit (verifying a million chained events, see "
        "bench/audit.py), load (fifty locust users on pages, intake and API, see "
        "bench/load.py) and/or surveys (raking a million responses against svy, weightipy and "
        "balance, a wave's estimate table, see bench/surveys.py); all when none is named",
    )
    parser.add_argument("--requests", type=int, default=600, help="timed requests per scenario")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument(
        "--bare-factor",
        type=int,
        default=4,
        help="the bare view is so fast that its phases get this many times more requests",
    )
    parser.add_argument("--warmup", type=int, default=40, help="untimed requests per scenario")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--reports", type=int, default=100_000, help="reports in the database")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--phase-timeout", type=float, default=180, help="seconds per phase")
    parser.add_argument(
        "--ingest-mib", type=int, default=1024, help="size of the evidence ingest file (0: skip)"
    )
    parser.add_argument("--ingest-runs", type=int, default=5, help="evidence uploads timed")
    parser.add_argument(
        "--stops",
        type=int,
        default=int(os.environ.get("BENCH_STOPS", DEFAULT_STOP_ROWS)),
        help="synthetic stops the analyses run on (default BENCH_STOPS or 10,000,000)",
    )
    parser.add_argument(
        "--stops-rounds", type=int, default=DEFAULT_STOP_ROUNDS, help="timed rounds (best kept)"
    )
    parser.add_argument(
        "--publish-small",
        type=int,
        default=publish.DEFAULT_SMALL,
        help="complaints in the publish phase's small database (the page's baseline)",
    )
    parser.add_argument(
        "--publish-large",
        type=int,
        default=publish.DEFAULT_LARGE,
        help="complaints in the publish phase's large database (its allegations are exported)",
    )
    parser.add_argument(
        "--publish-rounds",
        type=int,
        default=publish.DEFAULT_ROUNDS,
        help="publish rounds: a cold page and warm pages per round; export rounds (best kept)",
    )
    parser.add_argument(
        "--publish-requests",
        type=int,
        default=publish.DEFAULT_REQUESTS,
        help="warm page requests per database per round",
    )
    parser.add_argument(
        "--publish-dir",
        type=Path,
        help="keep the publish databases here and reuse them next time (default: a temporary "
        "folder, removed at the end)",
    )
    parser.add_argument(
        "--audit-events",
        type=int,
        default=audit.DEFAULT_EVENTS,
        help="chained events in the audit phase's log (the goal is for 1,000,000)",
    )
    parser.add_argument(
        "--audit-rounds",
        type=int,
        default=audit.DEFAULT_ROUNDS,
        help="audit rounds: a bare scan, a scan with sha256 and verify_chain() each",
    )
    parser.add_argument(
        "--load-users", type=int, default=load.DEFAULT_USERS, help="locust users at once"
    )
    parser.add_argument(
        "--load-seconds",
        type=int,
        default=load.DEFAULT_SECONDS,
        help="seconds of load measured, after the users have started",
    )
    parser.add_argument(
        "--load-spawn-seconds",
        type=int,
        default=load.DEFAULT_SPAWN_SECONDS,
        help="seconds over which the locust users start (not measured)",
    )
    parser.add_argument(
        "--load-warmup",
        type=int,
        default=load.DEFAULT_WARMUP_SECONDS,
        help="seconds of load after the users have started and before it is measured",
    )
    parser.add_argument(
        "--load-think",
        type=float,
        default=load.DEFAULT_THINK,
        help="seconds a user reads between requests, on average (0: none, a stress test)",
    )
    parser.add_argument(
        "--audit-dir",
        type=Path,
        help="keep the audit phase's database here and reuse it next time (default: a "
        "temporary folder, removed at the end)",
    )
    parser.add_argument(
        "--surveys-responses",
        type=int,
        default=surveys.DEFAULT_RESPONSES,
        help="respondents raked in the surveys phase (the goal is for 1,000,000)",
    )
    parser.add_argument(
        "--surveys-table-responses",
        type=int,
        default=surveys.DEFAULT_TABLE_RESPONSES,
        help="respondents of the wave whose estimate table the surveys phase times",
    )
    parser.add_argument(
        "--surveys-rounds", type=int, default=surveys.DEFAULT_ROUNDS, help="timed rounds"
    )
    parser.add_argument(
        "--surveys-references",
        default=",".join(surveys.DEFAULT_REFERENCES),
        help="raking libraries compared with ours, comma-separated, of "
        f"{', '.join(surveys.REFERENCES)} (samplics takes minutes at a million; balance is "
        "installed in an environment of its own, var/bench/balance-venv, the first time)",
    )
    args = parser.parse_args(argv)
    phases = args.phases or PHASES
    unknown = sorted(set(phases) - set(PHASES))
    if unknown:
        parser.error(f"unknown phase {', '.join(unknown)}; the phases are {', '.join(PHASES)}")

    run_started = time.perf_counter()
    # Forced, not defaulted: an inherited commonground.settings would seed the dev database.
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    import django

    django.setup()

    results: dict = {}
    if "web" in phases:
        web = measure_web(args)
        if web is None:
            return 1
        results.update(web)
    if "stops" in phases:
        with tempfile.TemporaryDirectory(prefix="bench-stops-") as directory:
            results["stops"] = measure_stops(Path(directory), args.stops, args.stops_rounds, log)
    if "publish" in phases:
        # Its gunicorns are stopped on the way out (finally), also when the run is terminated.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        with tempfile.TemporaryDirectory(prefix="bench-publish-") as directory:
            try:
                results["publish"] = publish.measure_publish(
                    args.publish_dir or Path(directory),
                    log,
                    small=args.publish_small,
                    large=args.publish_large,
                    rounds=args.publish_rounds,
                    requests=args.publish_requests,
                )
            except (BenchError, RuntimeError) as error:
                log(f"\nBENCHMARK FAILED: {error}")
                return 1

    if "audit" in phases:
        with tempfile.TemporaryDirectory(prefix="bench-audit-") as directory:
            try:
                results["audit"] = audit.measure_audit(
                    args.audit_dir or Path(directory),
                    log,
                    events=args.audit_events,
                    rounds=args.audit_rounds,
                )
            except RuntimeError as error:
                log(f"\nBENCHMARK FAILED: {error}")
                return 1

    if "load" in phases:
        # Its gunicorn and locust are stopped on the way out, also when the run is terminated.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        try:
            # Not "load": the web phase's figures already use that key for their client threads.
            results["locust"] = load.measure_load(
                args,
                log,
                static="web" not in phases,
                users=args.load_users,
                seconds=args.load_seconds,
                spawn_seconds=args.load_spawn_seconds,
                warmup_seconds=args.load_warmup,
                think=args.load_think,
            )
        except BenchError as error:
            log(f"\nBENCHMARK FAILED: {error}")
            return 1

    if "surveys" in phases:
        with tempfile.TemporaryDirectory(prefix="bench-surveys-") as directory:
            try:
                results["surveys"] = surveys.measure_surveys(
                    Path(directory),
                    log,
                    responses=args.surveys_responses,
                    table_responses=args.surveys_table_responses,
                    rounds=args.surveys_rounds,
                    references=tuple(filter(None, args.surveys_references.split(","))),
                )
            except RuntimeError as error:
                log(f"\nBENCHMARK FAILED: {error}")
                return 1

    results.update(
        phases=phases,
        total_seconds=round(time.perf_counter() - run_started, 1),
        started_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        machine={
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        git_commit=git_commit(),
    )
    if "web" in phases:
        print_table(results)
    if "stops" in phases:
        print_stops(results["stops"], log)
    if "publish" in phases:
        publish.print_publish(results["publish"], log)
    if "audit" in phases:
        audit.print_audit(results["audit"], log)
    if "load" in phases:
        load.print_load(results["locust"], log)
    if "surveys" in phases:
        surveys.print_surveys(results["surveys"], log)
    RESULTS_DIR.mkdir(exist_ok=True)
    # A run of some phases does not overwrite the figures of a whole run.
    out = RESULTS_DIR / ("latest.json" if phases == PHASES else f"latest-{'-'.join(phases)}.json")
    out.write_text(json.dumps(results, indent=2) + "\n")
    log(f"Wrote {out.relative_to(BASE_DIR)}; total runtime {results['total_seconds']:.1f}s")
    return 0


def measure_web(args) -> dict | None:
    """The status lookup, intake and evidence ingest through gunicorn; None if it failed."""
    from django.conf import settings

    codes, setup_seconds = prepare_database(args.reports)

    port = free_port()
    log_path = Path(settings.BENCH_DATA_DIR) / "gunicorn.log"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    server = start_server(port, args.workers, args.threads, log_path)
    try:
        wait_ready(server, port, log_path)
        log(f"gunicorn ready on 127.0.0.1:{port} (pid {server.pid})")
        results = measure(args, port, codes, server_cpu_clock(server.pid))
        if args.ingest_mib:
            from bench.ingest import measure_ingest

            log(
                f"Evidence ingest: {args.ingest_mib} MiB through the footage form, against sha256sum"
            )
            results["ingest"] = measure_ingest(
                port, server.pid, Path(settings.BENCH_DATA_DIR), args.ingest_mib, args.ingest_runs
            )
    except BenchError as error:
        log(f"\nBENCHMARK FAILED: {error}\n--- gunicorn log ---\n{tail(log_path)}")
        return None
    finally:
        stop_server(server)

    results.update(
        reports_in_db=report_count(),
        setup_seconds=round(setup_seconds, 1),
        server={"workers": args.workers, "threads": args.threads, "worker_class": "gthread"},
        load={
            "concurrency": args.concurrency,
            "requests_per_scenario": args.requests,
            "rounds": args.rounds,
            "warmup": args.warmup,
            "bare_factor": args.bare_factor,
            "connection": "new TCP connection per request",
        },
    )
    return results


def measure(args, port: int, codes: list[str], cpu_clock) -> dict:
    per_phase = max(1, args.requests // args.rounds)
    c, limit = args.concurrency, args.phase_timeout
    phases: dict[str, list[Phase]] = {"bare": [], "lookup": [], "submit": []}
    submitted: list[str] = []
    submit_index = 0
    before = report_count()

    def run(name: str, n: int, *, keep: bool = True) -> None:
        nonlocal submit_index
        if name == "bare":
            setup, work = bare(port)
        elif name == "lookup":
            setup, work = lookup(port, codes)
        else:
            prepared = prepare_submissions(port, n, c, submit_index, limit)
            submit_index += n
            setup, work = submit(port, prepared, submitted)
        phase = run_phase(name, setup, work, n, c, limit, cpu_clock)
        if keep:
            phases[name].append(phase)
        log(
            f"  {'warm-up' if not keep else 'timed'} {name:<7} {len(phase.latencies):>4} requests "
            f"in {phase.wall:6.2f}s = {phase.rps:7.1f} rps"
            + (" (TIMED OUT)" if phase.timed_out else "")
        )

    log(f"Warm-up ({args.warmup} requests per scenario), then {args.rounds} rounds")
    for name in phases:
        run(name, args.warmup, keep=False)
    bare_n = per_phase * args.bare_factor
    for _round in range(args.rounds):
        for name in phases:
            run(name, bare_n if name == "bare" else per_phase)
    run("bare", bare_n)

    after = report_count()
    if after - before != len(submitted) or len(set(submitted)) != len(submitted):
        raise BenchError(
            f"{len(submitted)} submissions answered with a tracking code, but the database "
            f"gained {after - before} reports ({len(set(submitted))} distinct codes)"
        )
    log(f"Checked: {after - before} submissions created {after - before} reports")

    scenarios = {name: summarise(p) for name, p in phases.items()}
    base = scenarios["bare"]
    bares = phases["bare"]
    for name, row in scenarios.items():
        row["rps_ratio"] = row["rps"] / base["rps"]
        row["p95_ratio"] = row["p95_ms"] / base["p95_ms"]
        row["cpu_ratio"] = (
            row["server_cpu_ms"] / base["server_cpu_ms"] if base["server_cpu_ms"] else None
        )
        # Each round's phase against the two bare phases around it: drift shows up here.
        row["round_rps_ratios"] = [
            round(p.rps / ((bares[r].rps + bares[r + 1].rps) / 2), 3)
            for r, p in enumerate(phases[name] if name != "bare" else bares[:-1])
        ]
        for key in ("rps", "p50_ms", "p95_ms", "max_ms", "rps_ratio", "p95_ratio"):
            row[key] = round(row[key], 3)
        for key in ("server_cpu_ms", "cpu_ratio"):
            row[key] = round(row[key], 3) if row[key] is not None else None
    return {"scenarios": scenarios, "reports_created_by_submit": after - before}


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


if __name__ == "__main__":
    # Run as the importable module, so bench.ingest shares its classes (BenchError) with us.
    from bench.run import main as module_main

    sys.exit(module_main())
