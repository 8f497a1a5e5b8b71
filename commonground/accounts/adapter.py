import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.utils.translation import gettext_lazy as _

from commonground.accounts.freshness import needs_second_factor
from commonground.accounts.middleware import SECOND_FACTORS
from commonground.lib.crypto import decrypt_json, encrypt_json

# The ways to confirm it is you, in the site's words (allauth's own are terse and, in Spanish,
# address the reader as "tú" where the site says "usted").
WAYS_TO_CONFIRM = {
    "reauthenticate": _("Use your password"),
    "mfa_reauthenticate": _("Use a code from your authenticator app, or a recovery code"),
    "mfa_reauthenticate:webauthn": _("Use a security key"),
}


class StaffAccountAdapter(DefaultAccountAdapter):
    """Accounts are for staff and are created by administrators: no self sign-up."""

    def is_open_for_signup(self, request):
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Changing one's second factors asks for the password again, unless it was typed to
        sign in moments ago (ACCOUNT_REAUTHENTICATION_TIMEOUT): allauth counts only a separate
        confirmation, so a first sign-in typed the password and was asked for it again at once
        by the enrolment it is sent to."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        return not signed_in_moments_ago(context.request)

    def get_reauthentication_methods(self, user) -> list[dict]:
        """A request that waits for a fresh second factor (freshness.py) cannot be let through by
        the password: it is not offered, so "use your password" does not lead back to the code."""
        methods = [
            {**m, "description": WAYS_TO_CONFIRM.get(m["id"], m["description"])}
            for m in super().get_reauthentication_methods(user)
        ]
        request = context.request
        if request is not None and needs_second_factor(request):
            methods = [m for m in methods if m["id"].startswith("mfa_")]
        return methods

    def add_message(self, request, level, message_template=None, *args, **kwargs):
        # "Signed in" is said by the staff home when the journey is complete: a first sign-in
        # still has its second factor to set up, and is not yet signed in for any staff page.
        if message_template == "account/messages/logged_in.txt" and not has_second_factor(
            request.user
        ):
            return
        super().add_message(request, level, message_template, *args, **kwargs)


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()


# A first enrolment may take a while (installing an authenticator app, say): its sign-in counts
# this long, so the code typed at the end is not met by a password prompt.
ENROLMENT_SECONDS = 15 * 60


def signed_in_moments_ago(request) -> bool:
    if request is None or not request.user.is_authenticated:
        return False
    records = get_authentication_records(request, request.user)
    last = max((r["at"] for r in records), default=None)
    if last is None:
        return False
    window = account_settings.REAUTHENTICATION_TIMEOUT
    if not has_second_factor(request.user):
        window = max(window, ENROLMENT_SECONDS)
    return time.time() - last < window


class StaffMFAAdapter(DefaultMFAAdapter):
    """A second factor is mandatory for staff: the last one (authenticator app or security key)
    cannot be removed, only replaced by adding another first.

    Its secrets (the TOTP key, the recovery codes' seed) are encrypted at rest with the field
    keys (ENCRYPTION_KEYS, rotated by `manage.py rotate_encryption`)."""

    def encrypt(self, text: str) -> str:
        return encrypt_json(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_json(encrypted_text)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type not in SECOND_FACTORS:
            return True
        others = Authenticator.objects.filter(
            user_id=authenticator.user_id, type__in=SECOND_FACTORS
        )
        return others.exclude(pk=authenticator.pk).exists()
