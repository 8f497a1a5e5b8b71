import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from axes.models import AccessAttempt

from commonground.accounts.models import Role
from commonground.conftest import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.django_db


def totp_now(secret="JBSWY3DPEHPK3PXP") -> str:  # noqa: S107 (the personas' test secret)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_password_then_totp_code_signs_a_staff_member_in(client):
    make_staff("clerk", Role.INTAKE_CLERK)
    response = client.post("/en/accounts/login/", {"login": "clerk", "password": STAFF_PASSWORD})
    assert response.status_code == 302
    assert "/accounts/2fa/authenticate/" in response["Location"]
    assert client.get("/en/staff/").status_code == 302  # not in yet
    wrong = client.post(response["Location"], {"code": "000000"})
    assert wrong.status_code == 200
    right = client.post(response["Location"], {"code": totp_now()})
    assert right.status_code == 302
    assert client.get("/en/staff/").status_code == 200


def test_five_failures_lock_the_account_without_saying_whether_it_exists(client):
    make_staff("clerk", Role.INTAKE_CLERK)
    for _ in range(5):
        client.post("/en/accounts/login/", {"login": "clerk", "password": "wrong-password"})
    locked = client.post("/en/accounts/login/", {"login": "clerk", "password": STAFF_PASSWORD})
    assert locked.status_code == 429
    assert "Sign-in is locked" in locked.content.decode()
    assert AccessAttempt.objects.filter(username="clerk").exists()
    for _ in range(5):
        client.post("/en/accounts/login/", {"login": "nobody", "password": "wrong-password"})
    unknown = client.post("/en/accounts/login/", {"login": "nobody", "password": "x"})
    assert unknown.status_code == locked.status_code


def test_there_is_no_self_sign_up(client):
    response = client.get("/en/accounts/signup/")
    assert response.status_code in (200, 404)
    assert 'name="password1"' not in response.content.decode()


@pytest.mark.parametrize(
    ("factor", "enough"),
    [("totp", True), ("webauthn", True), ("recovery_codes", False), (None, False)],
)
def test_a_security_key_alone_is_a_second_factor_recovery_codes_alone_are_not(
    client, factor, enough
):
    from allauth.mfa.models import Authenticator

    user = make_staff("clerk", Role.INTAKE_CLERK, mfa=False)
    if factor:
        Authenticator.objects.create(user=user, type=factor, data={})
    client.force_login(user)
    response = client.get("/en/staff/")
    assert (response.status_code == 200) is enough
    if not enough:
        assert "/accounts/2fa/totp/activate/" in response["Location"]


def test_the_last_second_factor_cannot_be_removed_only_replaced(client):
    from allauth.mfa.models import Authenticator

    from commonground.testing.mfa import confirm_second_factor

    user = make_staff("clerk", Role.INTAKE_CLERK)
    client.force_login(user)
    assert client.get("/en/staff/").status_code == 200  # enrolment now remembered
    confirm_second_factor(client, user)
    client.post("/en/accounts/reauthenticate/", {"password": STAFF_PASSWORD})
    refused = client.post("/en/accounts/2fa/totp/deactivate/")
    assert refused.status_code == 200
    assert Authenticator.objects.filter(user=user, type="totp").exists()

    Authenticator.objects.create(user=user, type="webauthn", data={})
    assert client.post("/en/accounts/2fa/totp/deactivate/").status_code == 302
    assert not Authenticator.objects.filter(user=user, type="totp").exists()
    assert client.get("/en/staff/").status_code == 200  # the security key is enough
