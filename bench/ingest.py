"""Evidence ingest through the real upload path, against `sha256sum` of the same bytes.

A custodian's browser posts a 1 GiB body-worn-camera file to the footage form on the running
gunicorn server (multipart, streamed from disk by the client). The server parses the request,
streams the file to disk while a second thread hashes it, sniffs its type, reads its duration,
checks the recording, stores it and seals its receipt. Each run is timed from the first byte sent
to the redirect that says the item exists, and compared with `sha256sum` of the same 1 GiB in
the same round (sha256sum, ingest, sha256sum, ingest, ..., sha256sum): a ratio of 1.0 means
ingest moves bytes as fast as hashing alone.

Memory: before each upload the workers' peak-RSS counters are reset (/proc/PID/clear_refs); the
growth reported is the largest (peak RSS during the upload - RSS before it) over the workers.
"""

import datetime
import html
import http.client
import os
import re
import secrets
import statistics
import subprocess
import time
from pathlib import Path

from bench.run import CSRF_RE, BenchError, Client, log, worker_pids
from commonground.demo.media import mp4_around

FORM_PATH = "/en/staff/evidence/footage/new/"
BOUNDARY = "----commongroundbench" + secrets.token_hex(8)
PIECE = 1024 * 1024


def payload_file(directory: Path, size: int) -> Path:
    """Random bytes (so nothing can compress or skip them), made once and reused."""
    path = directory / f"ingest-{size // PIECE}MiB.bin"
    if not path.exists() or path.stat().st_size != size:
        log(f"Writing {size // PIECE} MiB of random bytes to {path}")
        with open(path, "wb") as out:
            for _ in range(size // PIECE):
                out.write(os.urandom(PIECE))
    return path


class MultipartBody:
    """The request body, read in pieces: fields, then the file straight from disk, then the end.
    Never holds more than one piece in memory."""

    def __init__(self, fields: dict, head: bytes, path: Path, tail: bytes):
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            )
        opening = "".join(parts) + (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="bench.mp4"\r\nContent-Type: video/mp4\r\n\r\n'
        )
        closing = (
            f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="upload_end"\r\n\r\n1\r\n'
            f"--{BOUNDARY}--\r\n"
        )
        self.before = opening.encode() + head
        self.path = path
        self.after = tail + closing.encode()
        self.length = len(self.before) + path.stat().st_size + len(self.after)

    def __iter__(self):
        yield self.before
        with open(self.path, "rb") as source:
            while piece := source.read(PIECE):
                yield piece
        yield self.after


def _rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peaks(pids: list[int]) -> dict[int, int]:
    before = {}
    for pid in pids:
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM starts again from VmRSS
        before[pid] = _rss_kib(pid, "VmRSS")
    return before


def sign_in_custodian(port: int) -> Client:
    """A session for a custodian who has enrolled a second factor, as after signing in."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore

    from commonground.accounts.models import User

    user, _ = User.objects.get_or_create(username="bench-custodian")
    user.groups.add(Group.objects.get_or_create(name="evidence_custodian")[0])
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, "JBSWY3DPEHPK3PXP")  # stored encrypted, as allauth stores one
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session["mfa_enrolled"] = True
    session.save()
    client = Client(port)
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    resp = client.request("GET", FORM_PATH)
    match = CSRF_RE.search(resp.body)
    if resp.status != 200 or not match:
        raise resp.fail("the footage form did not open for the custodian")
    client.csrf = html.unescape(match.group(1))
    return client


def _officer_badge() -> str:
    from commonground.roster.models import Agency, Officer

    agency, _ = Agency.objects.get_or_create(name="Bench Police Department")
    officer, _ = Officer.objects.get_or_create(
        agency=agency,
        badge_number="B-1",
        defaults={"first_name": "Camera", "last_name": "Wearer"},
    )
    return officer.badge_number


def upload_once(client: Client, path: Path, run: int, badge: str) -> float:
    start = datetime.datetime.now() - datetime.timedelta(days=1, minutes=run * 30)
    fields = {
        "csrfmiddlewaretoken": client.csrf,
        "device_id": f"BENCH-{secrets.token_hex(4)}",
        "badge": badge,
        "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (start + datetime.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M"),
        "latitude": "",
        "longitude": "",
    }
    # A salt at the start of the media makes each run's file new (the same bytes are not stored
    # twice, and the same footage is refused).
    salt = secrets.token_bytes(32)
    head, tail = mp4_around(len(salt) + path.stat().st_size, 1200)
    head += salt
    body = MultipartBody(fields, head, path, tail)
    headers = {
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Content-Length": str(body.length),
        "Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items()),
        "Referer": f"http://127.0.0.1:{client.port}{FORM_PATH}",
        "Accept-Language": "en",
    }
    conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=600)
    started = time.perf_counter()
    try:
        conn.request("POST", FORM_PATH, body=iter(body), headers=headers)
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    seconds = time.perf_counter() - started
    location = resp.getheader("Location", "")
    if resp.status != 302 or "/staff/evidence/" not in location:
        main = re.sub(r"<[^>]+>", " ", data.decode("utf-8", "replace"))
        raise BenchError(f"footage upload: HTTP {resp.status} {' '.join(main.split())[:300]!r}")
    return seconds


def _remove_stored_copies() -> None:
    """Each run stores a new 1 GiB object; remove them so runs do not fill the disk."""
    from commonground.evidence.models import StoredFile

    for item in StoredFile.objects.filter(original_name="bench.mp4", disposed_at__isnull=True):
        item.file.storage.delete(item.file.name)


def sha256sum_seconds(path: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["sha256sum", str(path)], check=True, capture_output=True)
    return time.perf_counter() - started


def measure_ingest(port: int, master_pid: int, directory: Path, mib: int, runs: int) -> dict:
    size = mib * PIECE
    path = payload_file(directory, size)
    client = sign_in_custodian(port)
    badge = _officer_badge()
    sha256sum_seconds(path)  # untimed: brings the file into the page cache like the runs after
    baselines, uploads, growth_kib = [sha256sum_seconds(path)], [], []
    try:
        for run in range(runs):
            workers = worker_pids(master_pid)
            before = _reset_peaks(workers)
            uploads.append(upload_once(client, path, run, badge))
            growth_kib.append(max(_rss_kib(pid, "VmHWM") - before[pid] for pid in workers))
            baselines.append(sha256sum_seconds(path))
            _remove_stored_copies()
            log(
                f"  ingest run {run + 1}: {uploads[-1]:.2f}s "
                f"(sha256sum {baselines[-2]:.2f}s / {baselines[-1]:.2f}s), "
                f"peak RSS growth {growth_kib[-1] / 1024:.1f} MiB"
            )
    finally:
        _remove_stored_copies()
    ratios = [((baselines[i] + baselines[i + 1]) / 2) / uploads[i] for i in range(runs)]
    return {
        "bytes": size,
        "runs": runs,
        "upload_seconds": [round(s, 3) for s in uploads],
        "sha256sum_seconds": [round(s, 3) for s in baselines],
        "throughput_ratios": [round(r, 3) for r in ratios],
        "throughput_ratio_median": round(statistics.median(ratios), 3),
        "upload_mib_per_s_median": round(mib / statistics.median(uploads), 1),
        "peak_rss_growth_mib": [round(k / 1024, 1) for k in growth_kib],
        "peak_rss_growth_mib_max": round(max(growth_kib) / 1024, 1),
    }
