"""Anonymity is real (DESIGN.md): an anonymous resident's address and browser, and any
resident's tracking code in plain text, are found nowhere afterwards: not in any table, not in
any log record, not in an error report about their request. That holds for a resident who
happens to be signed in as staff too (an officer reporting a colleague from their work browser):
nothing written while they report names them, their address or their session."""

import logging
import re

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import translation

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.complaints.models import Report
from commonground.complaints.tests.test_intake_views import code_in, jpeg_with_gps, upload
from commonground.conftest import make_staff

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


def report_anonymously(client, headers=HEADERS) -> str:
    steps = [
        ("kind", {"kind": "complaint"}),
        ("reporter", {"reporter_type": "anonymous", "language": "en"}),
        ("when", {"timing": "exact", "incident_date": "2026-03-10", "location": "Main & 3rd"}),
        ("what", {"narrative": "Anonymous narrative."}),
    ]
    for name, data in steps:
        client.post(f"/en/report/{name}/", data, **headers)
    client.get("/en/report/officers/?q=Colleague", **headers)
    client.get("/en/report/officers/lookup/?q=Colleague", **headers)
    client.post(
        "/en/report/files/",
        {"files": [upload("a.jpg", jpeg_with_gps())], "action": "upload"},
        **headers,
    )
    review = client.get("/en/report/review/", **headers).content.decode()
    token = re.search(r'name="submission_token" value="([^"]+)"', review).group(1)
    filed = client.post("/en/report/submit/", {"submission_token": token}, follow=True, **headers)
    code = code_in(filed)
    assert client.post("/en/status/", {"code": code}, follow=True, **headers).status_code == 200
    client.post(
        "/en/status/add/",
        {"code": code, "text": "More.", "files": [upload("b.jpg", jpeg_with_gps())]},
        **headers,
    )
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
        failed = client.post("/en/status/", {"code": code}, follow=True, **HEADERS)
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


STAFF_IP = "198.51.100.23"
STAFF_HEADERS = {"REMOTE_ADDR": STAFF_IP, "HTTP_USER_AGENT": "WorkBrowser/1.0 (staff-ua-81c2)"}


def rows_by_table() -> dict[str, set[str]]:
    tables = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            tables[table] = {" ".join(map(str, row)) for row in cursor.fetchall()}
    return tables


def test_a_signed_in_officer_who_reports_anonymously_is_not_linked_to_the_report(client):
    """The audit's attack: an officer signed in at work files an anonymous report about a
    colleague from the same browser, then looks it up and adds to it. Every row written or
    changed meanwhile is searched for the officer's name, address, browser and session."""
    officer = make_staff("colleague-of-the-accused", Role.OFFICER)
    client.force_login(officer)
    assert client.get(reverse("staff_home"), **STAFF_HEADERS).status_code == 200
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    last_event = AuditEvent.objects.order_by("-sequence").first().sequence
    before = rows_by_table()

    # Typed without the language or the final slash, the address is redirected: still theirs.
    assert client.get("/report/", **STAFF_HEADERS).status_code == 302
    assert client.get("/en/report", **STAFF_HEADERS).status_code == 301
    report_anonymously(client, STAFF_HEADERS)

    report = Report.objects.get()
    assert report.is_anonymous and report.received_by is None
    events = list(AuditEvent.objects.filter(sequence__gt=last_event))
    assert {e.action for e in events} >= {"report.file", "report.add_information"}
    assert [(e.actor_id, e.actor_label, e.address) for e in events] == [
        (None, "public", None)
    ] * len(events)
    after = rows_by_table()
    written = "\n".join(
        row for table, rows in after.items() for row in rows - before.get(table, set())
    )
    for marker in (officer.username, STAFF_IP, "staff-ua-81c2", session_key):
        assert marker not in written, marker
    # Their own session was not even read: its row is unchanged, and they are still signed in.
    staff_sessions = "django_session", "usersessions_usersession"
    for table in staff_sessions:
        assert {r for r in after[table] if session_key in r} == {
            r for r in before[table] if session_key in r
        }, table
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == session_key
    assert client.get(reverse("staff_home"), **STAFF_HEADERS).status_code == 200


def _sample_kwargs(name: str) -> dict:
    """A sample value for each of the named route's parameters (a survey code, a step…)."""
    from commonground.accounts.tests.test_routes import SAMPLES, all_routes

    [route] = {route for route_name, route, _module in all_routes() if route_name == name}
    return {key: SAMPLES.get(key, "1") for key in re.findall(r"<(?:\w+:)?(\w+)>", route)}


def test_every_resident_form_and_the_officer_search_are_resident_pages():
    """The route table's resident forms are exactly what the session middleware keeps away
    from the staff session; staff pages are not."""
    from commonground.accounts.tests.test_routes import RESIDENT_FORMS
    from commonground.web.resident import is_resident_page

    for name in RESIDENT_FORMS | {"complaints:officer_lookup"}:
        for language in ("en", "es"):
            with translation.override(language):
                path = reverse(name, kwargs=_sample_kwargs(name))
            assert is_resident_page(path), path
    # Where the site redirects to them from: no language prefix, no final slash.
    for path in ("/report/", "/status/", "/en/report", "/es/status", "/report/kind"):
        assert is_resident_page(path), path
    for path in ("/en/staff/", "/en/staff/intake/", "/es/staff/", "/en/", "/staff", "/en/nowhere"):
        assert not is_resident_page(path), path
