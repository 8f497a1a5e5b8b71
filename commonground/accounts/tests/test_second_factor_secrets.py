"""Second-factor secrets (the TOTP key, the recovery codes' seed) are encrypted at rest with
the field keys (ENCRYPTION_KEYS), survive a key rotation, and are never displayed by the admin."""

import hmac
import importlib
import io
from hashlib import sha1

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.management import call_command

from commonground.accounts.models import Role
from commonground.complaints.tests.test_anonymity import everything_in_the_database
from commonground.conftest import STAFF_PASSWORD, make_staff
from commonground.testing.browser import fresh_totp_code

pytestmark = pytest.mark.django_db
LOGIN = "/en/accounts/login/"
CLEAR = "JBSWY3DPEHPK3PXP"
SEED = "c0ffee" * 13


def signs_in_with(client, username: str, code) -> bool:
    """Password, then the code: a string, or a function making one just in time."""
    first = client.post(LOGIN, {"login": username, "password": STAFF_PASSWORD})
    second = client.post(first["Location"], {"code": code() if callable(code) else code})
    return second.status_code == 302 and client.get("/en/staff/").status_code == 200


def first_recovery_code(seed: str) -> str:
    """allauth's first recovery code for a seed (RecoveryCodes.generate_codes)."""
    h = hmac.new(key=seed.encode("ascii"), msg=None, digestmod=sha1)
    h.update(f"{0:3},".encode())
    return str(int.from_bytes(h.digest()[:4], byteorder="big") % 10**8).zfill(8)


def enrol(client) -> str:
    """Enrol an authenticator app through allauth's pages; returns the secret it showed."""
    client.post(LOGIN, {"login": "clerk", "password": STAFF_PASSWORD})
    client.post("/en/accounts/reauthenticate/", {"password": STAFF_PASSWORD})
    page = client.get("/en/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret in page.content.decode()  # shown once, to be typed into the app
    done = client.post("/en/accounts/2fa/totp/activate/", {"code": fresh_totp_code(secret)})
    assert done.status_code == 302, done.content.decode()[:500]
    return secret


def test_an_enrolled_secret_and_recovery_seed_are_found_nowhere_in_the_database(client):
    from allauth.mfa.adapter import get_adapter

    user = make_staff("clerk", Role.INTAKE_CLERK, mfa=False)
    secret = enrol(client)
    recovery = Authenticator.objects.get(user=user, type="recovery_codes")
    seed = get_adapter().decrypt(recovery.data["seed"])
    stored = everything_in_the_database()
    assert secret not in stored
    assert seed not in stored
    totp = Authenticator.objects.get(user=user, type="totp")
    assert totp.data["secret"] != secret
    client.post("/en/accounts/logout/")
    assert signs_in_with(client, "clerk", lambda: fresh_totp_code(secret))


def test_the_personas_secret_is_stored_encrypted_and_still_signs_in(client):
    user = make_staff("clerk", Role.INTAKE_CLERK)
    assert CLEAR not in everything_in_the_database()
    assert Authenticator.objects.get(user=user).data["secret"] != CLEAR
    assert signs_in_with(client, "clerk", lambda: fresh_totp_code(CLEAR))


def test_the_admin_never_displays_a_second_factor_secret(client):
    user = make_staff("clerk", Role.INTAKE_CLERK)
    Authenticator.objects.create(user=user, type="recovery_codes", data={"seed": SEED})
    root = make_staff("root", Role.ADMINISTRATOR)
    root.is_staff = root.is_superuser = True
    root.save()
    client.force_login(root)
    mine = Authenticator.objects.filter(user=user)
    pages = ["/en/admin/mfa/authenticator/"]
    for a in mine:
        pages += [f"/en/admin/mfa/authenticator/{a.pk}/{page}/" for page in ("change", "delete")]
        pages.append(f"/en/admin/mfa/authenticator/{a.pk}/history/")
    secrets = {CLEAR, SEED} | {a.data.get("secret") or a.data["seed"] for a in mine}
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.content.decode()
        assert [s for s in secrets if s in text] == [], path


def test_clear_secrets_stored_before_are_encrypted_by_the_migration(client):
    user = make_staff("clerk", Role.INTAKE_CLERK, mfa=False)
    # As rows were stored before: the secret and the seed in clear.
    Authenticator.objects.create(user=user, type="totp", data={"secret": CLEAR})
    Authenticator.objects.create(
        user=user, type="recovery_codes", data={"seed": SEED, "used_mask": 0}
    )
    migration = importlib.import_module(
        "commonground.accounts.migrations.0008_encrypt_second_factor_secrets"
    )
    migration.encrypt_secrets(apps, None)
    migration.encrypt_secrets(apps, None)  # a second run leaves encrypted values alone
    assert CLEAR not in everything_in_the_database()
    assert SEED not in everything_in_the_database()
    assert signs_in_with(client, "clerk", lambda: fresh_totp_code(CLEAR))
    client.post("/en/accounts/logout/")
    assert signs_in_with(client, "clerk", first_recovery_code(SEED))

    migration.decrypt_secrets(apps, None)  # the migration can be reversed
    assert Authenticator.objects.get(user=user, type="totp").data["secret"] == CLEAR


def test_rotating_the_keys_keeps_every_second_factor_working(client, settings):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    make_staff("clerk", Role.INTAKE_CLERK)
    settings.ENCRYPTION_KEYS = [new, old]
    out = io.StringIO()
    call_command("rotate_encryption", stdout=out)
    assert "second-factor secrets: 1 value(s) re-encrypted" in out.getvalue()
    settings.ENCRYPTION_KEYS = [new]  # the old key is gone
    assert signs_in_with(client, "clerk", lambda: fresh_totp_code(CLEAR))


def test_removing_a_second_factor_in_the_admin_is_audited(client):
    from commonground.audit.models import AuditEvent

    user = make_staff("clerk", Role.INTAKE_CLERK)
    root = make_staff("root", Role.ADMINISTRATOR)
    root.is_staff = root.is_superuser = True
    root.save()
    client.force_login(root)
    totp = Authenticator.objects.get(user=user)
    assert client.get("/en/admin/mfa/authenticator/add/").status_code == 403
    done = client.post(f"/en/admin/mfa/authenticator/{totp.pk}/delete/", {"post": "yes"})
    assert done.status_code == 302
    assert not Authenticator.objects.filter(user=user).exists()
    (event,) = AuditEvent.objects.filter(action="mfa.authenticator_removed")
    assert (event.actor, event.target_id, event.data) == (
        root,
        str(user.pk),
        {"type": "totp", "how": "admin"},
    )
