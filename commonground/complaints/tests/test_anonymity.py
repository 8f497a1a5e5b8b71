"""Anonymity is real (DESIGN.md): an anonymous resident's address and browser, and any
resident's tracking code in plain text, are found nowhere afterwards: not in any table, not in
any log record, not in an error report about their request."""

import logging
import re

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.db import connection

from commonground.complaints.models import Report
from commonground.complaints.tests.test_intake_views import code_in, jpeg_with_gps, upload

pytestmark = pytest.mark.django_db
MARKER_IP = "203.0.113.77"
MARKER_UA = "MarkerAgent/9.9 (unique-ua-3f1c)"
HEADERS = {
    "REMOTE_ADDR": MARKER_IP,
    "HTTP_USER_AGENT": MARKER_UA,
    "HTTP_X_FORWARDED_FOR": MARKER_IP,
    "HTTP_X_REAL_IP": MARKER_IP,
}


class Everything(logging.Handler):
    """Every log record of every logger, formatted as a log file would hold it."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def logs():
    handler, root = Everything(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def everything_in_the_database() -> str:
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608
            rows.extend(" ".join(map(str, row)) for row in cursor.fetchall())
    for session in SessionStore.get_model_class().objects.all():
        rows.append(str(SessionStore().decode(session.session_data)))
    return "\n".join(rows)


def report_anonymously(client) -> str:
    steps = [
        ("kind", {"kind": "complaint"}),
        ("reporter", {"reporter_type": "anonymous", "language": "en"}),
        ("when", {"timing": "exact", "incident_date": "2026-03-10", "location": "Main & 3rd"}),
        ("what", {"narrative": "Anonymous narrative."}),
    ]
    for name, data in steps:
        client.post(f"/en/report/{name}/", data, **HEADERS)
    client.post(
        "/en/report/files/",
        {"files": [upload("a.jpg", jpeg_with_gps())], "action": "upload"},
        **HEADERS,
    )
    review = client.get("/en/report/review/", **HEADERS).content.decode()
    token = re.search(r'name="submission_token" value="([^"]+)"', review).group(1)
    code = code_in(client.post("/en/report/submit/", {"submission_token": token}, **HEADERS))
    assert client.post("/en/status/", {"code": code}, **HEADERS).status_code == 200
    client.post("/en/status/add/", {"code": code, "text": "More."}, **HEADERS)
    return code


def test_an_anonymous_resident_leaves_no_address_browser_or_plain_code_anywhere(
    client, logs, settings
):
    settings.ADMINS = [("Admin", "admin@example.org")]
    code = report_anonymously(client)
    assert Report.objects.count() == 1

    # An error while the resident looks their report up: reported to the administrators.
    from commonground.complaints import views_public

    def broken(report):
        raise RuntimeError("the status page broke")

    client.raise_request_exception = False
    original, views_public.followed_report = views_public.followed_report, broken
    try:
        failed = client.post("/en/status/", {"code": code}, **HEADERS)
    finally:
        views_public.followed_report = original
    assert failed.status_code == 500
    (report,) = mail.outbox[-1:]
    assert "the status page broke" in report.body and "followed_report" in report.body

    markers = (MARKER_IP, "unique-ua-3f1c", code, code.replace("-", ""))
    places = {
        "database": everything_in_the_database(),
        "logs": "\n".join(logs.lines),
        "error report": report.body + "".join(str(a) for a in report.alternatives),
    }
    found = [
        (where, marker) for where, text in places.items() for marker in markers if marker in text
    ]
    assert found == []
    assert logs.lines, "the logs were captured"


def test_an_anonymous_resident_gets_no_lasting_cookie(client):
    report_anonymously(client)
    for cookie in client.cookies.values():
        if cookie.value == "" and cookie["max-age"] == 0:
            continue  # a cookie being removed (the draft's session, once the report is filed)
        assert not cookie["max-age"] and not cookie["expires"], cookie.key
