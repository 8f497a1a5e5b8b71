from allauth.account.adapter import DefaultAccountAdapter


class StaffAccountAdapter(DefaultAccountAdapter):
    """Accounts are for staff and are created by administrators: no self sign-up."""

    def is_open_for_signup(self, request):
        return False
