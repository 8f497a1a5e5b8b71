"""Staff sessions (CJIS AC-11, IA-5; ASVS 7): a new id at sign-in, 30 idle minutes, 12 hours in
all, and a disabled account signed out everywhere at once."""

import datetime

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from commonground.accounts.actions import end_sessions
from commonground.accounts.models import Role, User
from commonground.accounts.tests.test_login import totp_now
from commonground.audit.models import AuditEvent
from commonground.conftest import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 8, 0, 10, tzinfo=datetime.UTC)


def sign_in(client: Client, username: str) -> None:
    first = client.post("/en/accounts/login/", {"login": username, "password": STAFF_PASSWORD})
    assert "/accounts/2fa/authenticate/" in first["Location"], first
    second = client.post(first["Location"], {"code": totp_now()})
    assert second.status_code == 302, second.content.decode()[:500]


def session_id(client: Client) -> str | None:
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie else None


def is_signed_in(client: Client) -> bool:
    return client.get("/en/staff/").status_code == 200


def test_signing_in_gives_a_new_session_id_so_a_planted_one_is_useless(client):
    make_staff("clerk", Role.INTAKE_CLERK)
    client.get("/en/accounts/login/")
    session = client.session
    session["planted"] = True
    session.save()
    planted = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = planted
    sign_in(client, "clerk")
    assert session_id(client) not in (None, planted)
    assert not Session.objects.filter(session_key=planted).exists()
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted
    assert not is_signed_in(attacker)


def test_thirty_idle_minutes_end_a_staff_session(client):
    make_staff("clerk", Role.INTAKE_CLERK)
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, "clerk")
        clock.shift(datetime.timedelta(minutes=29))
        assert is_signed_in(client)
        clock.shift(datetime.timedelta(minutes=31))
        response = client.get("/en/staff/")
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_a_staff_session_ends_twelve_hours_after_sign_in_however_busy(client):
    make_staff("clerk", Role.INTAKE_CLERK)
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, "clerk")
        for _ in range(28):  # a request every 25 minutes, up to 11 hours 40 minutes
            clock.shift(datetime.timedelta(minutes=25))
            assert is_signed_in(client)
        clock.shift(datetime.timedelta(minutes=25))
        response = client.get("/en/staff/", follow=True)
        assert response.redirect_chain[0][1] == 302
        assert "/accounts/login/" in response.redirect_chain[0][0]
        assert "reached its 12-hour limit" in response.content.decode()
        assert not is_signed_in(client)


def test_disabling_an_account_in_the_admin_ends_all_its_sessions_at_once(client):
    make_staff("clerk", Role.INTAKE_CLERK)
    make_staff("other", Role.INTAKE_CLERK)
    laptop, phone, colleague = Client(), Client(), Client()
    with time_machine.travel(START, tick=False) as clock:
        sign_in(laptop, "clerk")
        clock.shift(datetime.timedelta(seconds=31))  # a new TOTP code (codes cannot be reused)
        sign_in(phone, "clerk")
        sign_in(colleague, "other")
        assert UserSession.objects.filter(user__username="clerk").count() == 2

        admin = make_staff("root", Role.ADMINISTRATOR)
        admin.is_staff = admin.is_superuser = True
        admin.save()
        client.force_login(admin)
        clerk = User.objects.get(username="clerk")
        response = client.post(
            f"/en/admin/accounts/user/{clerk.pk}/change/", admin_form(clerk, is_active=False)
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        for device in (laptop, phone):
            assert not Session.objects.filter(session_key=session_id(device)).exists()
        # Enabling the account again does not bring its old sessions back.
        User.objects.filter(username="clerk").update(is_active=True)
        assert not is_signed_in(laptop)
        assert not is_signed_in(phone)
        assert is_signed_in(colleague)
    assert not UserSession.objects.filter(user__username="clerk").exists()
    changed = AuditEvent.objects.get(action="account.permissions_changed")
    assert changed.actor == admin
    assert changed.data["changes"] == {"is_active": {"from": True, "to": False}}
    ended = AuditEvent.objects.get(action="account.sessions_ended")
    assert ended.data == {"reason": "account disabled", "sessions": 2}


def test_role_changes_in_the_admin_are_audited(client):
    clerk = make_staff("clerk", Role.INTAKE_CLERK)
    investigator = make_staff("inv", Role.INVESTIGATOR)  # so the group exists
    admin = make_staff("root", Role.ADMINISTRATOR)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    groups = [g.pk for g in investigator.groups.all()]
    response = client.post(
        f"/en/admin/accounts/user/{clerk.pk}/change/", admin_form(clerk, groups=groups)
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="account.permissions_changed")
    assert event.data["changes"] == {"roles": {"from": ["intake_clerk"], "to": ["investigator"]}}
    assert event.source == "web"
    assert event.address == "127.0.0.1"


def test_ending_sessions_leaves_an_account_able_to_sign_in_again(client):
    clerk = make_staff("clerk", Role.INTAKE_CLERK)
    sign_in(client, "clerk")
    assert end_sessions(account=clerk, by="system", reason="test") == 1
    assert not is_signed_in(client)
    with time_machine.travel(datetime.timedelta(seconds=31)):
        sign_in(client, "clerk")
    assert is_signed_in(client)


def test_a_totp_code_cannot_be_used_twice(client):
    make_staff("clerk", Role.INTAKE_CLERK)
    with time_machine.travel(START, tick=False):
        sign_in(client, "clerk")
        client.post("/en/accounts/logout/")
        first = client.post("/en/accounts/login/", {"login": "clerk", "password": STAFF_PASSWORD})
        reused = client.post(first["Location"], {"code": totp_now()})
        assert reused.status_code == 200
        assert "Incorrect code" in reused.content.decode()
        assert not is_signed_in(client)
    assert AuditEvent.objects.filter(action="login.second_factor_failed").count() == 1


def admin_form(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": [g.pk for g in user.groups.all()],
        "user_permissions": [],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.date().isoformat(),
        "date_joined_1": user.date_joined.time().strftime("%H:%M:%S"),
        "preferred_language": user.preferred_language,
        "unit": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}
