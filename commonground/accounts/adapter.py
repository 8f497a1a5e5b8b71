from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator

from commonground.accounts.middleware import SECOND_FACTORS
from commonground.lib.crypto import decrypt_json, encrypt_json


class StaffAccountAdapter(DefaultAccountAdapter):
    """Accounts are for staff and are created by administrators: no self sign-up."""

    def is_open_for_signup(self, request):
        return False


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
