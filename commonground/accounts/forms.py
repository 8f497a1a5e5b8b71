"""allauth's second-factor forms (MFA_FORMS), held to the per-account lockout: a locked account
is refused before its code or security key is even checked, and every wrong code counts
(lockout.py)."""

from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.webauthn.forms import AuthenticateWebAuthnForm, ReauthenticateWebAuthnForm
from django import forms
from django.utils.translation import gettext_lazy as _

from commonground.accounts import lockout


def refuse_if_locked(user) -> None:
    request = context.request
    if lockout.is_locked(request, user):
        # Counted like a password tried during the lockout (which restarts its cool-off), and
        # answered by the lockout page (AxesMiddleware), as at the password stage.
        lockout.second_factor_failed(request, user)
        request.axes_locked_out = True
        raise forms.ValidationError(_("Sign-in is locked for now"), code="locked")


class CodeLockoutMixin:
    def clean_code(self):
        refuse_if_locked(self.user)
        return super().clean_code()


class SecurityKeyLockoutMixin:
    def clean_credential(self):
        refuse_if_locked(self.user)
        return super().clean_credential()


class LockoutAuthenticateForm(CodeLockoutMixin, AuthenticateForm):
    pass


class LockoutReauthenticateForm(CodeLockoutMixin, ReauthenticateForm):
    pass


class LockoutAuthenticateWebAuthnForm(SecurityKeyLockoutMixin, AuthenticateWebAuthnForm):
    pass


class LockoutReauthenticateWebAuthnForm(SecurityKeyLockoutMixin, ReauthenticateWebAuthnForm):
    pass
