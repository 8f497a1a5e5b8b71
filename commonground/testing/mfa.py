"""Test helper: a client whose session has just confirmed its second factor, as after
allauth's re-authentication page (for tests of what a sensitive operation does, not of
confirming; accounts/tests and the browser tests go through the page itself)."""

import time

from allauth.account.internal.flows import login


def confirm_second_factor(client, user) -> None:
    session = client.session
    # allauth keeps the methods used in this session, and whose session it is.
    session[login._AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session[login.AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "mfa", "at": time.time(), "type": "totp"}
    ]
    session.save()
