"""allauth's second-factor forms (MFA_FORMS), held to the per-account lockout: a locked account
is refused before its code is even checked, and every wrong code counts (lockout.py)."""

from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from django import forms
from django.utils.translation import gettext_lazy as _

from commonground.accounts import lockout


class LockoutMixin:
    def clean_code(self):
        request = context.request
        if lockout.is_locked(request, self.user):
            # The lockout page answers (AxesMiddleware), as it does at the password stage.
            request.axes_locked_out = True
            raise forms.ValidationError(
                _("Sign-in is locked for now: too many failed attempts."), code="locked"
            )
        return super().clean_code()


class LockoutAuthenticateForm(LockoutMixin, AuthenticateForm):
    pass


class LockoutReauthenticateForm(LockoutMixin, ReauthenticateForm):
    pass
