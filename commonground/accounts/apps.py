from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "commonground.accounts"
    label = "accounts"

    def ready(self):
        from allauth.mfa import signals as mfa
        from axes.signals import user_locked_out
        from django.contrib.auth import signals as auth

        from commonground.accounts import signals

        auth.user_logged_in.connect(signals.on_logged_in, dispatch_uid="audit-login")
        auth.user_login_failed.connect(signals.on_login_failed, dispatch_uid="audit-login-failed")
        auth.user_logged_out.connect(signals.on_logged_out, dispatch_uid="audit-logout")
        user_locked_out.connect(signals.on_locked_out, dispatch_uid="audit-locked-out")
        mfa.authentication_failed.connect(
            signals.on_second_factor_failed, dispatch_uid="audit-mfa-failed"
        )
        mfa.authentication_failed.connect(
            signals.count_second_factor_failure, dispatch_uid="lockout-mfa-failed"
        )
        mfa.authenticator_used.connect(signals.on_second_factor_used, dispatch_uid="audit-mfa-used")
        for signal, action in (
            (mfa.authenticator_added, "mfa.authenticator_added"),
            (mfa.authenticator_removed, "mfa.authenticator_removed"),
            (mfa.authenticator_reset, "mfa.authenticator_reset"),
        ):
            signal.connect(signals.on_authenticator_change(action), weak=False, dispatch_uid=action)
