"""The server killed (SIGKILL, no clean-up of any kind) in the middle of uploads and
submissions, twenty times: no half-written row, every stored file whole, the database passes
its integrity check, and what the killed requests left behind (a stored file whose row never
committed, a temporary upload) is all removed by the crash sweep (`discard_orphans`)."""

import datetime
import io
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from PIL import Image
from urllib3 import encode_multipart_formdata

from commonground.accounts.models import Role
from commonground.complaints.models import Attachment, Report
from commonground.complaints.tests.factories import agency_with_officers
from commonground.conftest import make_staff
from commonground.evidence.actions import discard_orphans
from commonground.evidence.models import StoredFile, UploadSession
from commonground.evidence.selectors import bytes_problems, orphan_objects
from commonground.lib.storage import walk

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[3]
ROUNDS = 20


class Server:
    """gunicorn with one worker, the app preloaded so a new worker is a fork away."""

    def __init__(self, tmp_path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        db = connection.settings_dict
        if connection.vendor == "sqlite":
            database_url = f"sqlite:///{db['NAME']}"
        else:
            database_url = (
                f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or 'localhost'}:"
                f"{db['PORT'] or 5432}/{db['NAME']}"
            )
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DB_CONN_MAX_AGE": "0",
            "DATA_DIR": str(tmp_path / "server"),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "STATIC_ROOT": str(settings.STATIC_ROOT),
            "FILE_UPLOAD_TEMP_DIR": str(settings.FILE_UPLOAD_TEMP_DIR),
            "CACHE_BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECRET_KEY": settings.SECRET_KEY,
        }
        env.pop("AWS_STORAGE_BUCKET_NAME", None)
        self.process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "commonground.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--preload",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "server.log").open("w"),
        )
        self.log = tmp_path / "server.log"
        self.wait_until_up()

    def worker(self) -> int | None:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = children.read_text().split() if children.exists() else []
        return int(pids[0]) if pids else None

    def wait_until_up(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError("the server did not come up")

    def kill_worker(self):
        pid = self.worker()
        if pid:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        self.wait_until_up()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def photo(seed: int) -> bytes:
    image = Image.effect_noise((900, 900), 40 + seed % 50).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95)
    return out.getvalue()


class SlowBody:
    """A request body sent in twenty parts with a pause before each, with its length known (so
    it goes as one Content-Length body, not chunked)."""

    def __init__(self, body: bytes, pieces: int = 20, pause: float = 0.01):
        self.body, self.pause = io.BytesIO(body), pause
        self.size, self.piece = len(body), len(body) // pieces + 1

    def __len__(self):
        return self.size

    def read(self, n=-1):
        time.sleep(self.pause)
        return self.body.read(self.piece)


def resident(server) -> requests.Session:
    """A resident's browser, at the files step of the form."""
    browser = requests.Session()
    first = browser.get(f"{server.url}/en/report/kind/")
    assert "csrftoken" in browser.cookies, (first.status_code, server.log.read_text()[-3000:])
    token = browser.cookies["csrftoken"]
    steps = [
        ("kind", {"kind": "complaint"}),
        ("reporter", {"reporter_type": "anonymous", "language": "en"}),
        ("when", {"timing": "exact", "incident_date": "2026-03-10", "location": "Main & 3rd"}),
        ("what", {"narrative": "Pushed without reason."}),
    ]
    for step, data in steps:
        answer = browser.post(
            f"{server.url}/en/report/{step}/", data={**data, "csrfmiddlewaretoken": token}
        )
        assert answer.status_code == 200, (step, answer.status_code)
    return browser


def upload_files(server, browser, content: bytes, *, slow: bool):
    fields = {
        "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        "action": "upload",
        "files": ("photo.jpg", content, "image/jpeg"),
    }
    body, content_type = encode_multipart_formdata(fields)
    return browser.post(
        f"{server.url}/en/report/files/",
        data=SlowBody(body) if slow else body,
        headers={"Content-Type": content_type, "Content-Length": str(len(body))},
        timeout=30,
    )


def submit(server, browser):
    review = browser.get(f"{server.url}/en/report/review/").text
    token = review.split('name="submission_token" value="')[1].split('"')[0]
    return browser.post(
        f"{server.url}/en/report/submit/",
        data={"submission_token": token, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        timeout=30,
    )


def staff_browser(server, user) -> requests.Session:
    client = Client()
    client.force_login(user)
    browser = requests.Session()
    browser.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    token = _get_new_csrf_string()
    browser.cookies.set("csrftoken", token)
    browser.headers["X-CSRFToken"] = token
    return browser


def send_piece(server, browser, content: bytes):
    started = browser.post(
        f"{server.url}/en/staff/evidence/uploads/",
        data=json.dumps({"name": "cam.mp4", "size": len(content)}),
        headers={"Content-Type": "application/json"},
    )
    assert started.status_code == 201, started.text
    return browser.put(
        f"{server.url}{started.json()['chunk_url']}",
        data=SlowBody(content),
        headers={"Upload-Offset": "0", "Content-Length": str(len(content))},
        timeout=30,
    )


def killed_during(server, request, *, within: float):
    """Run the request in a thread and kill the worker serving it after a random moment."""
    outcome = {}

    def run():
        try:
            outcome["response"] = request()
        except requests.RequestException as error:
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(random.uniform(0.02, within))  # when to strike
    server.kill_worker()
    thread.join(timeout=60)
    return outcome


def test_killing_the_server_mid_upload_and_mid_submission_leaves_nothing_half_done(tmp_path):
    random.seed(8)
    agency_with_officers(1)
    custodian = make_staff("custodian", Role.EVIDENCE_CUSTODIAN)
    server = Server(tmp_path)
    killed = {"upload": 0, "submit": 0, "piece": 0}
    try:
        for round_ in range(ROUNDS):
            kind = ("upload", "submit", "piece")[round_ % 3]
            if kind == "upload":
                browser = resident(server)
                content = photo(round_)
                outcome = killed_during(
                    server,
                    lambda b=browser, c=content: upload_files(server, b, c, slow=True),
                    within=0.4,
                )
            elif kind == "submit":
                browser = resident(server)
                upload_files(server, browser, photo(round_), slow=False)
                outcome = killed_during(server, lambda b=browser: submit(server, b), within=0.1)
            else:
                staff = staff_browser(server, custodian)
                outcome = killed_during(
                    server,
                    lambda b=staff: send_piece(server, b, os.urandom(300_000)),
                    within=0.3,
                )
            killed[kind] += "error" in outcome
    finally:
        server.stop()

    # Most kills struck a request in flight (a late one finds the request answered).
    assert sum(killed.values()) >= ROUNDS // 2, killed
    assert all(killed.values()), killed

    # The database is intact: SQLite's own check, and every foreign key holds.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA integrity_check")
            assert cursor.fetchall() == [("ok",)]
    connection.check_constraints()

    # No half-written row: every report is whole, every item's bytes are there and match.
    for report in Report.objects.all():
        assert report.tracking_code_hash and report.narrative
        assert report.status_changes.exists()
    for item in StoredFile.objects.filter(disposed_at__isnull=True):
        assert bytes_problems(item) == [], item
    for attachment in Attachment.objects.all():
        assert default_storage.exists(attachment.stored_file.file.name)

    # What the killed requests left behind is only ever unclaimed: the crash sweep removes it.
    discard_orphans(older_than=datetime.timedelta(0))
    assert orphan_objects(default_storage, older_than=datetime.timedelta(0)) == []
    live = {s.uuid.hex for s in UploadSession.objects.all()}
    assert all(name.split("/")[1] in live for name in walk(default_storage, "uploads"))
    assert os.listdir(settings.FILE_UPLOAD_TEMP_DIR) == []


@pytest.mark.django_db
def test_the_crash_sweep_removes_only_unclaimed_leftovers_old_enough(tmp_path):
    from django.core.files.base import ContentFile

    from commonground.evidence.tests.helpers import footage

    item = footage(make_staff("custodian", Role.EVIDENCE_CUSTODIAN))
    orphan = default_storage.save("evidence/2026/01/deadbeef", ContentFile(b"left behind"))
    piece = default_storage.save("uploads/" + "ab" * 16 + "/000000000000000-x", ContentFile(b"p"))
    temporary = Path(settings.FILE_UPLOAD_TEMP_DIR) / "left.upload"
    temporary.write_bytes(b"partial")

    assert discard_orphans(older_than=datetime.timedelta(days=1)) == {"stored": 0, "temporary": 0}
    assert default_storage.exists(orphan) and temporary.exists()

    assert discard_orphans(older_than=datetime.timedelta(0)) == {"stored": 2, "temporary": 1}
    assert not default_storage.exists(orphan) and not default_storage.exists(piece)
    assert not temporary.exists()
    assert default_storage.exists(item.file.name)
