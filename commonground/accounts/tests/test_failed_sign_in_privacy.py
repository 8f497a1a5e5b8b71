"""A failed sign-in keeps the attempted username only when it names an account: what else is
typed into that box is often a password, so it is kept only as a keyed hash, in the audit log,
in the lockout tables and in the logs alike."""

import hashlib
import logging

import pytest
from axes.models import AccessAttempt

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.complaints.tests.test_anonymity import everything_in_the_database
from commonground.conftest import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.django_db
LOGIN = "/en/accounts/login/"
# A password typed into the username box by mistake.
TYPED = "Tr0ub4dor-Marker-9f3c"


def test_a_password_typed_as_the_username_is_kept_nowhere(client, caplog):
    caplog.set_level(logging.DEBUG)
    make_staff("clerk", Role.INTAKE_CLERK)
    for _ in range(6):  # failures, then the lockout and its refusal
        client.post(LOGIN, {"login": TYPED, "password": STAFF_PASSWORD})
    assert AuditEvent.objects.filter(action="login.failed").count() >= 5
    assert AuditEvent.objects.filter(action="login.locked_out").exists()
    places = {"database": everything_in_the_database(), "logs": caplog.text}
    found = [
        (where, marker)
        for where, text in places.items()
        for marker in (TYPED, TYPED.lower(), TYPED.upper())
        if marker in text
    ]
    assert found == []
    assert "AXES" in caplog.text, "the logs were captured"


def test_an_unknown_username_is_kept_as_a_keyed_hash_the_same_for_any_case(client):
    for variant in (TYPED, TYPED.upper(), f" {TYPED.lower()} "):
        client.post(LOGIN, {"login": variant, "password": "wrong-password"})
    kept = {e.data["username"] for e in AuditEvent.objects.filter(action="login.failed")}
    assert len(kept) == 1
    (label,) = kept
    assert label.startswith("unknown:")
    # Keyed: not a plain digest anyone could recompute from a list of guesses.
    plain = {hashlib.sha256(v.encode()).hexdigest() for v in (TYPED, TYPED.lower())}
    assert label.removeprefix("unknown:") not in plain
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {label}


def test_a_failed_sign_in_for_an_account_names_the_account_as_stored(client):
    clerk = make_staff("clerk", Role.INTAKE_CLERK)
    client.post(LOGIN, {"login": "CLERK", "password": "wrong-password"})
    (event,) = AuditEvent.objects.filter(action="login.failed")
    assert event.data == {"username": "clerk"}
    assert event.target_id == str(clerk.pk)
    (attempt,) = AccessAttempt.objects.all()
    assert attempt.username == "clerk"
    assert "CLERK" not in attempt.post_data
