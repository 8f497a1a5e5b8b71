"""A fresh MFA check before sensitive operations (healthchecks' "sudo mode").

An operation such as downloading an original evidence file asks for a second factor used within
the last `SENSITIVE_MFA_SECONDS`; otherwise the request is suspended, the user confirms with their
authenticator, and the suspended request (with what they typed) is replayed."""

import time
from functools import wraps

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import suspend_request
from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse


def has_fresh_mfa(request: HttpRequest) -> bool:
    records = get_authentication_records(request, request.user)
    last = max((r["at"] for r in records if r.get("method") == "mfa"), default=None)
    return last is not None and time.time() - last < settings.SENSITIVE_MFA_SECONDS


def ask_for_fresh_mfa(request: HttpRequest) -> HttpResponseRedirect:
    return suspend_request(request, reverse("mfa_reauthenticate"))


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
