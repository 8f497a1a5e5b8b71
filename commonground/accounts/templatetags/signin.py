"""What the sign-in pages say about why they ask: a confirmation states its reason."""

from django import template
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.utils.translation import get_language_from_path
from django.utils.translation import gettext as _

from commonground.accounts.freshness import needs_second_factor

register = template.Library()


@register.simple_tag(takes_context=True)
def confirmation_reason(context) -> str:
    """Why the user is asked to confirm it is them, from where they were going."""
    from allauth.account import app_settings as account_settings

    request = context["request"]
    if needs_second_factor(request):
        minutes = max(1, settings.SENSITIVE_MFA_SECONDS // 60)
        return _(
            "What you asked for is sensitive (an original evidence file, a decision, or a "
            "resident's details), so it needs a code from your authenticator app entered in the "
            "last %(minutes)s minutes. Your password alone is not enough for it."
        ) % {"minutes": minutes}
    following = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    language = get_language_from_path(following)
    if language:
        following = following[len(language) + 1 :]
    minutes = max(1, account_settings.REAUTHENTICATION_TIMEOUT // 60)
    if following.startswith("/accounts/2fa/"):
        return _(
            "You are changing how you sign in (your authenticator app, recovery codes or "
            "security keys). You last confirmed it was you more than %(minutes)s minutes ago, so "
            "confirm it once more: this keeps your account safe if someone else uses this "
            "computer."
        ) % {"minutes": minutes}
    return _(
        "You last confirmed it was you more than %(minutes)s minutes ago, and this page "
        "protects your account, so confirm it once more."
    ) % {"minutes": minutes}
