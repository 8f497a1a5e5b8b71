"""Receivers for the sign-in library's signals (Django auth, allauth, django-axes): each
sign-in, failed attempt, lockout and sign-out is audited (CJIS AU-2), and a session remembers
when its user signed in so its absolute lifetime can be enforced."""

import time

from commonground.accounts import lockout
from commonground.accounts.middleware import MFA_ENROLLED, SIGNED_IN_AT
from commonground.audit.actions import record

USERNAME_MAX = 150


def on_logged_in(sender, request, user, **kwargs):
    request.session[SIGNED_IN_AT] = time.time()
    record(actor=user, action="login.succeeded", target=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    # The account's username, or a keyed hash of a name that is no account's (often a password
    # typed into the wrong box): never the name as typed.
    account, label = lockout.identify(lockout.attempted_name(None, credentials))
    record(
        actor=None,
        action="login.failed",
        target=account,
        data={"username": label[:USERNAME_MAX]},
        outcome="failure",
    )


def on_locked_out(sender, request, username, ip_address, **kwargs):
    # Already the account's username or a keyed hash: axes asks lockout.username_for_lockout.
    record(
        actor=None,
        action="login.locked_out",
        data={"username": str(username or "")[:USERNAME_MAX]},
        outcome="denied",
    )


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(actor=user, action="logout", target=user)


def on_authenticator_change(action):
    def receiver(sender, request, authenticator, **kwargs):
        # Enrolment is remembered for the session (middleware.RequireMFAMiddleware): look again.
        request.session.pop(MFA_ENROLLED, None)
        record(
            actor=request.user,
            action=action,
            target=request.user,
            data={"type": authenticator.type},
        )

    return receiver


def count_second_factor_failure(sender, request, user, **kwargs):
    lockout.second_factor_failed(request, user)


def on_second_factor_failed(sender, request, user, authenticator, reauthentication, **kwargs):
    action = "reauthentication.failed" if reauthentication else "login.second_factor_failed"
    record(
        actor=user, action=action, target=user, data={"type": authenticator.type}, outcome="failure"
    )


def on_second_factor_used(sender, request, user, authenticator, reauthenticated=False, **kwargs):
    if reauthenticated:
        record(
            actor=user,
            action="reauthentication.succeeded",
            target=user,
            data={"type": authenticator.type},
        )
