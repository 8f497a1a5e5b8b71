"""What the log records (CJIS AU-2, AU-3): sign-in attempts, staff reads and refusals, changes,
reading the log itself; each with who, what, when (UTC), where, source and outcome."""

import datetime

import pytest
from django.core.management import call_command

from commonground.accounts.models import Role
from commonground.accounts.tests.test_login import totp_now
from commonground.audit.models import AuditEvent
from commonground.complaints.tests.test_intake_views import submit, walk_to
from commonground.conftest import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.django_db
STAFF_ADDRESS = {"REMOTE_ADDR": "198.51.100.23"}


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def test_a_failed_sign_in_is_recorded_with_a_keyed_hash_of_an_unknown_name_and_the_address(
    client,
):
    client.post("/en/accounts/login/", {"login": "nobody", "password": "guess"}, **STAFF_ADDRESS)
    (failed,) = events("login.failed")
    assert failed.outcome == "failure"
    # A name that reaches no account may be a password typed in the wrong box.
    assert failed.data["username"].startswith("unknown:")
    assert "nobody" not in str(failed.data)
    assert failed.address == "198.51.100.23"
    assert failed.source == "web"
    assert failed.occurred_at.utcoffset() == datetime.timedelta(0)


def test_a_sign_in_a_wrong_second_factor_a_lockout_and_a_sign_out_are_recorded(client):
    clerk = make_staff("clerk", Role.INTAKE_CLERK)
    first = client.post("/en/accounts/login/", {"login": "clerk", "password": STAFF_PASSWORD})
    client.post(first["Location"], {"code": "000000"})
    client.post(first["Location"], {"code": totp_now()})
    client.post("/en/accounts/logout/")
    for _ in range(6):
        client.post("/en/accounts/login/", {"login": "clerk", "password": "wrong-password"})
    assert [e.actor for e in events("login.second_factor_failed")] == [clerk]
    assert [e.actor for e in events("login.succeeded")] == [clerk]
    assert [e.actor for e in events("logout")] == [clerk]
    assert len(events("login.failed")) >= 5
    (locked,) = events("login.locked_out")[:1]
    assert (locked.outcome, locked.data) == ("denied", {"username": "clerk"})


def test_every_staff_request_leaves_an_event_even_a_plain_read(client, intake_clerk):
    client.force_login(intake_clerk)
    client.get("/en/staff/?tab=1", **STAFF_ADDRESS)
    (read,) = events("request")
    assert read.actor == intake_clerk
    assert read.data == {"method": "GET", "path": "/en/staff/", "status": 200}
    assert (read.outcome, read.address, read.source) == ("success", "198.51.100.23", "web")


def test_a_refused_staff_request_is_recorded_as_denied(client, intake_clerk):
    client.force_login(intake_clerk)
    assert client.get("/en/staff/stops/").status_code == 403
    (refused,) = events("request")
    assert refused.outcome == "denied"
    assert refused.data["status"] == 403


def test_an_action_records_its_own_event_and_no_second_one(client, intake_clerk):
    from commonground.complaints.tests.factories import file

    report = file().report
    client.force_login(intake_clerk)
    client.get(f"/en/staff/cases/{report.pk}/")
    after_sign_in = AuditEvent.objects.filter(actor=intake_clerk).exclude(action="login.succeeded")
    assert [e.action for e in after_sign_in] == ["report.view"]


def test_a_residents_report_is_recorded_without_their_address(client):
    walk_to(client, "what", **{})
    submit(client)
    (filed,) = events("report.file")
    assert (filed.actor, filed.address, filed.source) == (None, None, "web")
    assert not events("request")


def test_reading_the_audit_log_is_itself_audited(client):
    admin = make_staff("root", Role.ADMINISTRATOR)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    assert client.get("/en/admin/audit/auditevent/?action=logout").status_code == 200
    first = events("audit.viewed")[0]
    assert client.get(f"/en/admin/audit/auditevent/{first.pk}/change/").status_code == 200
    viewed = events("audit.viewed")
    assert [e.data for e in viewed] == [{"query": "action=logout"}, {"event": str(first.pk)}]
    assert all(e.actor == admin for e in viewed)


def test_verifying_the_log_is_recorded_with_its_result(capsys):
    call_command("verify_audit")
    (verified,) = events("audit.verified")
    assert verified.data == {"checked": 0}
    assert verified.outcome == "success"
