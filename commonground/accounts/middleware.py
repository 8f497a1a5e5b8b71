import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language_from_path
from django.utils.translation import gettext as _

# Where a session keeps the moment its user signed in (set on every sign-in, see signals.py).
SIGNED_IN_AT = "signed_in_at"
# Where a session remembers that its user has a second factor (checked once, not per request).
MFA_ENROLLED = "mfa_enrolled"

# Where a signed-in user without a second factor may still go: enrolment itself and log-out.
ENROLMENT_PATHS = ("/accounts/2fa/", "/accounts/reauthenticate/", "/accounts/logout/")


class RequireMFAMiddleware:
    """Every staff user must enrol a second factor before anything else: an authenticator app
    (TOTP; recovery codes come with it) or a security key (WebAuthn, phishing-resistant).
    Recovery codes alone do not count. Signing in then always asks for it (allauth's MFA
    stage, for the admin's sign-in too)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not _is_enrolment(request.path_info)
            and not _has_second_factor(request, user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


def _is_enrolment(path: str) -> bool:
    language = get_language_from_path(path)
    if language:
        path = path[len(language) + 1 :]
    return path.startswith(ENROLMENT_PATHS) or path.startswith("/static/")


SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def _has_second_factor(request, user) -> bool:
    # Remembered for the session: enrolment is checked once, not on every request.
    if request.session.get(MFA_ENROLLED):
        return True
    enrolled = Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()
    if enrolled:
        request.session[MFA_ENROLLED] = True
    return enrolled


class StaffSessionLifetimeMiddleware:
    """A staff session ends 12 hours after sign-in whatever the activity (CJIS): idle sessions
    already end after 30 minutes through SESSION_COOKIE_AGE, renewed on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            signed_in_at = request.session.setdefault(SIGNED_IN_AT, time.time())
            if time.time() - signed_in_at > settings.STAFF_SESSION_MAX_SECONDS:
                logout(request)
                messages.info(
                    request,
                    _(
                        "You were signed out because your session reached its 12-hour limit. Please sign in again."
                    ),
                )
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)
