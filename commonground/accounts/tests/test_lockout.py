"""The per-account lockout (CJIS AC-7: five failures in fifteen minutes) holds however the
attacker varies what they send: the case of the username, or the address a second-factor code
comes from. Password and second-factor failures count against the same five."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.conftest import STAFF_PASSWORD, make_staff
from commonground.testing.browser import PERSONA_TOTP_SECRET, fresh_totp_code
from commonground.testing.mfa import confirm_second_factor

pytestmark = pytest.mark.django_db
LOGIN = "/en/accounts/login/"
KEY_ANSWER = '{"id": "a-security-key"}'


def password_stage(client: Client, username: str, **headers) -> str:
    """Sign in with the right password; returns the second-factor page it leads to."""
    response = client.post(LOGIN, {"login": username, "password": STAFF_PASSWORD}, **headers)
    assert "/accounts/2fa/authenticate/" in response["Location"], response
    return response["Location"]


def is_signed_in(client: Client) -> bool:
    return client.get("/en/staff/").status_code == 200


@pytest.mark.parametrize("stored", ["clerk", "Clerk"])
def test_changing_the_case_of_the_username_buys_no_more_tries(client, stored):
    make_staff(stored, Role.INTAKE_CLERK)
    for variant in ("clerk", "Clerk", "CLERK", "cLERK", " ClErK "):
        client.post(LOGIN, {"login": variant, "password": "wrong-password"})
    for variant in ("clerk", "CLERK", stored):
        locked = client.post(LOGIN, {"login": variant, "password": STAFF_PASSWORD})
        assert locked.status_code == 429, variant
        assert "Sign-in is locked" in locked.content.decode()
    assert not is_signed_in(client)
    # One account, one count: the variants did not each open a record of their own.
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == [stored]


def test_two_accounts_whose_names_differ_only_in_case_keep_their_own_counts(client):
    make_staff("clerk", Role.INTAKE_CLERK)
    make_staff("Clerk", Role.INTAKE_CLERK)
    for _ in range(5):
        client.post(LOGIN, {"login": "clerk", "password": "wrong-password"})
    assert client.post(LOGIN, {"login": "clerk", "password": STAFF_PASSWORD}).status_code == 429
    password_stage(client, "Clerk")


def test_second_factor_codes_from_many_addresses_lock_the_account(client):
    make_staff("clerk", Role.INTAKE_CLERK)
    second = password_stage(client, "clerk", REMOTE_ADDR="198.51.100.1")
    # The same pending sign-in, each guess from another address (per-address limits never bite).
    for n in range(5):
        wrong = client.post(second, {"code": "000000"}, REMOTE_ADDR=f"203.0.113.{n + 1}")
        assert wrong.status_code in (200, 429)
    assert wrong.status_code == 429  # the fifth failure locks
    right = client.post(
        second, {"code": fresh_totp_code(PERSONA_TOTP_SECRET)}, REMOTE_ADDR="192.0.2.99"
    )
    assert right.status_code == 429
    assert "Sign-in is locked" in right.content.decode()
    assert not is_signed_in(client)
    locked = AuditEvent.objects.filter(action="login.locked_out")
    assert locked and {e.data["username"] for e in locked} == {"clerk"}
    # The account is locked, not the pending sign-in: a fresh start is refused too.
    fresh = Client()
    again = fresh.post(
        LOGIN, {"login": "clerk", "password": STAFF_PASSWORD}, REMOTE_ADDR="192.0.2.7"
    )
    assert again.status_code == 429
    assert not is_signed_in(fresh)


def test_password_and_second_factor_failures_count_against_the_same_five(client):
    make_staff("clerk", Role.INTAKE_CLERK)
    for _ in range(3):
        client.post(LOGIN, {"login": "CLERK", "password": "wrong-password"})
    second = password_stage(client, "clerk")
    assert client.post(second, {"code": "000000"}).status_code == 200  # the fourth
    assert client.post(second, {"code": "000000"}).status_code == 429  # the fifth
    assert client.post(second, {"code": fresh_totp_code(PERSONA_TOTP_SECRET)}).status_code == 429
    assert not is_signed_in(client)


def test_a_signed_in_session_cannot_guess_codes_at_reauthentication(client):
    user = make_staff("clerk", Role.INTAKE_CLERK)
    client.force_login(user)
    for _ in range(5):
        client.post("/en/accounts/2fa/reauthenticate/", {"code": "000000"})
    right = client.post(
        "/en/accounts/2fa/reauthenticate/", {"code": fresh_totp_code(PERSONA_TOTP_SECRET)}
    )
    assert right.status_code == 429
    # Not confirmed: a sensitive operation would still ask for a second factor.
    from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

    methods = client.session.get(AUTHENTICATION_METHODS_SESSION_KEY, [])
    assert not [m for m in methods if m["method"] == "mfa"]


def test_a_right_code_within_the_limit_still_signs_in_and_clears_the_count(client):
    user = make_staff("clerk", Role.INTAKE_CLERK)
    second = password_stage(client, "Clerk")
    for _ in range(4):
        assert client.post(second, {"code": "000000"}).status_code == 200
    assert client.post(second, {"code": fresh_totp_code(PERSONA_TOTP_SECRET)}).status_code == 302
    assert is_signed_in(client)
    assert not AccessAttempt.objects.exists()
    confirm_second_factor(client, user)


@pytest.fixture
def any_security_key_verifies(monkeypatch):
    """A security key's answer is taken as valid (what Chromium's virtual authenticator gives the
    browser tests), so these tests are about the lockout, not about WebAuthn."""
    from allauth.mfa.base import views
    from allauth.mfa.models import Authenticator
    from allauth.mfa.webauthn import forms

    monkeypatch.setattr(views.webauthn_auth, "begin_authentication", lambda user: {})
    monkeypatch.setattr(forms.auth, "parse_authentication_response", lambda credential: None)
    monkeypatch.setattr(
        forms.auth,
        "complete_authentication",
        lambda user, credential: Authenticator.objects.get(user=user, type="webauthn"),
    )


@pytest.mark.usefixtures("any_security_key_verifies")
def test_a_locked_account_cannot_finish_signing_in_with_a_security_key(client):
    from allauth.mfa.models import Authenticator

    for name in ("clerk", "other"):
        user = make_staff(name, Role.INTAKE_CLERK)
        Authenticator.objects.create(user=user, type="webauthn", data={})
    second = password_stage(client, "other")
    assert client.post(second, {"credential": KEY_ANSWER}).status_code == 302
    assert is_signed_in(client)  # the key works while the account is not locked

    locked = Client()
    second = password_stage(locked, "clerk")
    for _ in range(5):
        locked.post(second, {"code": "000000"})
    refused = locked.post(second, {"credential": KEY_ANSWER})
    assert refused.status_code == 429
    assert not is_signed_in(locked)


def test_password_failures_at_reauthentication_count_too(client):
    user = make_staff("clerk", Role.INTAKE_CLERK)
    client.force_login(user)
    for _ in range(5):
        client.post("/en/accounts/reauthenticate/", {"password": "wrong-password"})
    fresh = Client()
    refused = fresh.post(LOGIN, {"login": "clerk", "password": STAFF_PASSWORD})
    assert refused.status_code == 429


def test_guessing_on_during_the_lockout_keeps_the_account_locked_as_at_the_password_stage(client):
    import datetime

    import time_machine

    make_staff("clerk", Role.INTAKE_CLERK)
    with time_machine.travel(datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)) as clock:
        second = password_stage(client, "clerk")
        for _ in range(5):
            client.post(second, {"code": "000000"})
        clock.shift(datetime.timedelta(minutes=10))
        assert client.post(second, {"code": "000000"}).status_code == 429
        clock.shift(datetime.timedelta(minutes=10))  # 20 minutes after the fifth failure
        fresh = Client()
        refused = fresh.post(LOGIN, {"login": "clerk", "password": STAFF_PASSWORD})
        assert refused.status_code == 429
        clock.shift(datetime.timedelta(minutes=16))  # that attempt counted too
        password_stage(Client(), "clerk")
