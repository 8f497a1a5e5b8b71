"""A fresh MFA check before sensitive operations (healthchecks' "sudo mode").

An operation such as downloading an original evidence file asks for a second factor used within
the last `SENSITIVE_MFA_SECONDS`; otherwise the request is suspended, the user confirms with their
authenticator, and the suspended request (with what they typed) is replayed.

The password cannot stand in for the code here, so while a request waits for one the confirmation
page does not offer it (adapter.get_reauthentication_methods): it would only lead back.
"""

import time
from functools import wraps

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import suspend_request
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse


def has_fresh_mfa(request: HttpRequest) -> bool:
    records = get_authentication_records(request, request.user)
    last = max((r["at"] for r in records if r.get("method") == "mfa"), default=None)
    return last is not None and time.time() - last < settings.SENSITIVE_MFA_SECONDS


# Where a session keeps the address of the request waiting for a fresh second factor.
WAITING_FOR_SECOND_FACTOR = "waiting_for_second_factor"


def ask_for_fresh_mfa(request: HttpRequest) -> HttpResponseRedirect:
    request.session[WAITING_FOR_SECOND_FACTOR] = request.get_full_path()
    return suspend_request(request, reverse("mfa_reauthenticate"))


def needs_second_factor(request: HttpRequest) -> bool:
    """Whether this confirmation is for a request that waits for a fresh second factor."""
    waiting = request.session.get(WAITING_FOR_SECOND_FACTOR)
    following = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    return bool(waiting) and waiting == following


def fresh_mfa_required(view):
    """For a view that is itself a sensitive operation (a letter with a resident's details for
    another agency, say): a second factor within the last SENSITIVE_MFA_SECONDS, or the request
    waits for one. Put it under the permission check, so that those refused are refused first."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not has_fresh_mfa(request):
            return ask_for_fresh_mfa(request)
        return view(request, *args, **kwargs)

    return wrapped
