from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator

from commonground.accounts.middleware import SECOND_FACTORS


class StaffAccountAdapter(DefaultAccountAdapter):
    """Accounts are for staff and are created by administrators: no self sign-up."""

    def is_open_for_signup(self, request):
        return False


class StaffMFAAdapter(DefaultMFAAdapter):
    """A second factor is mandatory for staff: the last one (authenticator app or security key)
    cannot be removed, only replaced by adding another first."""

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type not in SECOND_FACTORS:
            return True
        others = Authenticator.objects.filter(
            user_id=authenticator.user_id, type__in=SECOND_FACTORS
        )
        return others.exclude(pk=authenticator.pk).exists()
