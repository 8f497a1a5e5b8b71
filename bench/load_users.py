"""The simulated visitors of the load phase (bench/load.py), run by locust as a library.

`python -m bench.load_users PLAN.json OUT.json`: a child process of the load phase, because
importing locust patches the standard library for gevent, which the rest of the benchmark must
not see. PLAN (written by bench.load) names the server, the users, how long to run and what
there is to ask for; OUT receives every request made (name, start, milliseconds, status,
error), for bench.load to summarise.

Each user is one visitor from an address of their own (X-Forwarded-For, as from a load balancer),
who between requests reads for `think` seconds on average (uniformly 0.5x to 1.5x), and who in
turn does one of these, by weight:

  browse   the home page; the figures and one dashboard; the open-data catalogue and one
           dataset's page; the policy library and one policy
  lookup   the status page, then a valid tracking code posted to it
  intake   the public report form walked like a browser: each step's page, then its POST and
           redirect; kind -> reporter -> when -> what -> officers (half describe an officer)
           -> people -> files -> review -> submit, which must give a tracking code
  api      the dataset list; count tables, whole or filtered; allegation records, a filter and
           a page of them
  bare     GET /bench/bare: the baseline, under the same load

Every request is checked: a status other than the one expected (200, or the 302 of a form
step), or a page without what it must show, is an error.
"""

import html
import itertools
import json
import random
import re
import sys
import time
import urllib.parse
from pathlib import Path

import gevent
import gevent.event
from locust import FastHttpUser, task
from locust.env import Environment
from locust.exception import StopUser

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN_RE = re.compile(r'name="submission_token" value="([^"]+)"')
CODE_RE = re.compile(r'id="tracking-code">([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<')
DISTRICT_RE = re.compile(r'<option value="(\d+)"')
STEP = "/en/report/{}/"
NARRATIVE = (
    "I was stopped while walking home from work. The officer asked for my identification and "
    "did not say why. I asked for a badge number and was refused. "
) * 3

PLAN: dict = {}
STOPPING = gevent.event.Event()
SAMPLES: list[list] = []
CODES: list[str] = []
VISITORS = itertools.count()


class Failed(Exception):
    """A response that is not what the step expects (the message says what was wrong)."""


class Visitor(FastHttpUser):
    def wait_time(self):
        return PLAN["think"] * random.uniform(0.5, 1.5)

    def on_start(self):
        n = next(VISITORS)
        # Addresses from the benchmarking range (198.18.0.0/15), one per visitor.
        self.headers = {
            "Connection": "close",
            "Accept-Language": "en",
            "X-Forwarded-For": f"198.18.{n // 250}.{n % 250 + 1}",
        }
        self.csrf = ""

    # --- Requests ------------------------------------------------------------------------

    def think(self):
        gevent.sleep(self.wait_time())

    def request(self, method, path, name, check, fields=None, expect=200):
        """One request, timed by locust; `check(resp, body)` raises Failed if it is not right.
        Returns the body, or None if the request failed (the visitor then starts over)."""
        if STOPPING.is_set():
            raise StopUser()
        headers = dict(self.headers)
        data = None
        if fields is not None:
            data = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf, **fields})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        with self.client.request(
            method,
            path,
            name=name,
            data=data,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as resp:
            body = resp.text or ""
            try:
                if resp.status_code != expect:
                    raise Failed(f"HTTP {resp.status_code}, expected {expect}")
                check(resp, body)
            except Failed as error:
                resp.failure(str(error))
                return None
            resp.success()
            return body

    def page(self, name, entry):
        """A public page: 200, the heading it had when the run began and every mark."""

        def check(resp, body):
            missing = [m for m in (entry["h1"], *entry["marks"], "</html>") if m not in body]
            if missing:
                raise Failed(f"page without {missing[0][:60]!r}")

        return self.request("GET", entry["path"], name, check)

    def form(self, name, path, *marks):
        """A form page: 200 with a CSRF token (kept for the POST) and every mark."""

        def check(resp, body):
            match = CSRF_RE.search(body)
            if not match:
                raise Failed("form without a CSRF token")
            if missing := [m for m in marks if m not in body]:
                raise Failed(f"form without {missing[0]!r}")
            self.csrf = html.unescape(match.group(1))

        return self.request("GET", path, name, check)

    def step(self, name, path, fields, then):
        """A form step's POST: a redirect to the next step."""

        def check(resp, body):
            location = resp.headers.get("Location", "")
            if not location.endswith(then):
                raise Failed(f"redirected to {location!r}, expected {then!r}")

        return self.request("POST", path, name, check, fields, expect=302)

    def get_json(self, name, path, params, check_json):
        url = path + ("?" + urllib.parse.urlencode(params) if params else "")

        def check(resp, body):
            try:
                document = json.loads(body)
            except ValueError:
                raise Failed("not JSON") from None
            check_json(document)

        return self.request("GET", url, name, check)

    # --- Visits -----------------------------------------------------------------------------

    @task(2)
    def home(self):
        self.page("page: home", random.choice(PLAN["pages"]["home"]))

    @task(3)
    def figures(self):
        if self.page("page: figures", random.choice(PLAN["pages"]["figures"])) is None:
            return
        self.think()
        self.page("page: dashboard", random.choice(PLAN["pages"]["dashboard"]))

    @task(3)
    def open_data(self):
        if self.page("page: catalogue", random.choice(PLAN["pages"]["catalogue"])) is None:
            return
        self.think()
        self.page("page: dataset", random.choice(PLAN["pages"]["dataset"]))

    @task(2)
    def policies(self):
        if self.page("page: policies", random.choice(PLAN["pages"]["policies"])) is None:
            return
        self.think()
        self.page("page: policy", random.choice(PLAN["pages"]["policy"]))

    @task(3)
    def lookup(self):
        if self.form("lookup: form", "/en/status/") is None:
            return
        self.think()
        code = random.choice(PLAN["codes"])

        def check(resp, body):
            if 'aria-current="step"' not in body:
                raise Failed("status page without its timeline")

        self.request("POST", "/en/status/", "lookup: status", check, {"code": code})

    @task(1)
    def intake(self):
        """The report form, step by step, as a browser walks it (each POST redirects to the next
        step's page, which the browser then loads)."""
        i = random.randrange(1_000_000)
        kind = "commendation" if i % 5 == 4 else "complaint"
        if i % 2:
            reporter = {"reporter_type": "anonymous", "language": "en"}
        else:
            reporter = {
                "reporter_type": "self",
                "name": f"Load Resident {i}",
                "contact_method": "email",
                "email": f"load{i}@example.org",
                "language": "es" if i % 10 == 0 else "en",
            }
        when = {
            "timing": "exact",
            "incident_date": time.strftime("%Y-%m-%d", time.localtime(time.time() - 3 * 86_400)),
            "incident_time": "14:30",
            "location": "Main St and 3rd Ave",
            "district": "",
        }
        steps = [
            ("kind", {"kind": kind}, "reporter"),
            ("reporter", reporter, "when"),
            ("when", when, "what"),
            ("what", {"narrative": NARRATIVE}, "officers"),
        ]
        for name, fields, then in steps:
            body = self.form(f"intake: {name} page", STEP.format(name))
            if body is None:
                return
            if name == "when" and i % 3 and (districts := DISTRICT_RE.findall(body)):
                fields["district"] = random.choice(districts)
            self.think()
            if self.step(f"intake: {name}", STEP.format(name), fields, STEP.format(then)) is None:
                return
        officers = STEP.format("officers")
        if self.form("intake: officers page", officers) is None:
            return
        if i % 4 < 2:
            self.think()
            described = {
                "action": "add",
                "description": "Tall, short dark hair, patrol car",
                "badge_given": str(1000 + i % 300),
            }
            if self.step("intake: officers add", officers, described, officers) is None:
                return
            if self.form("intake: officers page", officers) is None:
                return
        self.think()
        for name, then in (("officers", "people"), ("people", "files"), ("files", "review")):
            path = STEP.format(name)
            if name != "officers" and self.form(f"intake: {name} page", path) is None:
                return
            if (
                self.step(f"intake: {name}", path, {"action": "continue"}, STEP.format(then))
                is None
            ):
                return
        body = self.form("intake: review page", STEP.format("review"), 'name="submission_token"')
        if body is None:
            return
        self.think()
        submitted = []

        def check(resp, body):
            code = CODE_RE.search(body)
            if not code:
                raise Failed("no tracking code on the confirmation")
            submitted.append(code.group(1))

        self.request(
            "POST",
            STEP.format("submit"),
            "intake: submit",
            check,
            {"submission_token": html.unescape(TOKEN_RE.search(body).group(1))},
        )
        CODES.extend(submitted)

    @task(4)
    def api(self):
        def datasets(document):
            if document.get("count") != PLAN["api"]["datasets"]:
                raise Failed(
                    f"{document.get('count')} datasets, expected {PLAN['api']['datasets']}"
                )

        if random.random() < 0.2:
            if self.get_json("api: datasets", "/api/v1/datasets/", {}, datasets) is None:
                return
            self.think()
        table = random.choice(PLAN["api"]["tables"])
        if self.get_json("api: counts", table["path"], table["params"], rows_check(table)) is None:
            return
        self.think()
        query = random.choice(PLAN["api"]["records"])
        size = random.choice([25, 100, 250])
        pages = max(1, -(-query["count"] // size))
        page = random.randrange(1, pages + 1)
        expected = {**query, "size": min(size, query["count"] - (page - 1) * size)}
        params = {**query["params"], "page": page, "page_size": size}
        self.get_json("api: allegations", "/api/v1/allegations/", params, rows_check(expected))

    @task(2)
    def bare(self):
        def check(resp, body):
            if body != "ok":
                raise Failed("bare view did not answer ok")

        self.request("GET", "/bench/bare", "bare", check)


def rows_check(query: dict):
    """A page of a list resource: the count expected, as many rows as the page holds, and every
    row matching the filters."""

    def check(document):
        results = document.get("results")
        if document.get("count") != query["count"] or not isinstance(results, list):
            raise Failed(f"count {document.get('count')}, expected {query['count']}")
        if len(results) != query.get("size", min(100, query["count"])):
            raise Failed(f"{len(results)} rows on the page")
        for name, value in query["params"].items():
            field = query.get("fields", {}).get(name, name)
            if field and any(str(row.get(field)) != value for row in results):
                raise Failed(f"a row does not match {name}={value}")

    return check


def main(plan_path: str, out_path: str) -> None:
    PLAN.update(json.loads(Path(plan_path).read_text()))
    env = Environment(user_classes=[Visitor], host=PLAN["host"])
    runner = env.create_local_runner()
    started = time.time()

    def on_request(request_type, name, response_time, exception, start_time=None, **kwargs):
        response = kwargs.get("response")
        status = getattr(response, "status_code", 0) or 0
        error = str(exception)[:200] if exception else None
        SAMPLES.append(
            [name, round(start_time - started, 3), round(response_time, 2), status, error]
        )

    env.events.request.add_listener(on_request)
    runner.start(PLAN["users"], spawn_rate=PLAN["users"] / PLAN["spawn_seconds"])
    gevent.sleep(PLAN["spawn_seconds"] + PLAN["warmup_seconds"])
    measured_from, users = time.time(), runner.user_count
    gevent.sleep(PLAN["seconds"])
    measured_until = time.time()
    # Visitors finish the request they are in and make no other; then the runner stops.
    STOPPING.set()
    deadline = time.monotonic() + 60
    while any(not g.dead for g in runner.user_greenlets) and time.monotonic() < deadline:
        gevent.sleep(0.2)
    runner.quit()
    result = {
        "samples": SAMPLES,
        "codes": CODES,
        "users_measured": users,
        "measured_from": round(measured_from - started, 3),
        "measured_until": round(measured_until - started, 3),
        "stopped_at": round(time.time() - started, 3),
    }
    with open(out_path, "w") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main(*sys.argv[1:3])
