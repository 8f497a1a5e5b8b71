from allauth.mfa.models import Authenticator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language_from_path

# Where a signed-in user without a second factor may still go: enrolment itself and log-out.
ENROLMENT_PATHS = ("/accounts/2fa/", "/accounts/reauthenticate/", "/accounts/logout/")


class RequireMFAMiddleware:
    """Every staff user must enrol TOTP (recovery codes come with it) before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not _is_enrolment(request.path_info)
            and not _has_totp(request, user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


def _is_enrolment(path: str) -> bool:
    language = get_language_from_path(path)
    if language:
        path = path[len(language) + 1 :]
    return path.startswith(ENROLMENT_PATHS) or path.startswith("/static/")


def _has_totp(request, user) -> bool:
    # Remembered for the session: enrolment is checked once, not on every request.
    if request.session.get("mfa_enrolled"):
        return True
    enrolled = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    if enrolled:
        request.session["mfa_enrolled"] = True
    return enrolled
