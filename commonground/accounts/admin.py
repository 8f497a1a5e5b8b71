from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from commonground.accounts.actions import AccountState, record_account_change
from commonground.accounts.models import User
from commonground.audit.actions import record


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Administrators manage staff accounts here; every change to what an account may do
    (roles, permissions, active, staff, superuser) and every password set is audited."""

    list_display = ["username", "first_name", "last_name", "email", "is_active", "last_login"]
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Common Ground", {"fields": ("preferred_language", "unit")}),
    )

    def save_model(self, request, obj, form, change):
        # Read before the form's changes reach the database; roles are saved in save_related.
        before = User.objects.get(pk=obj.pk) if change else User()
        request._account_before = AccountState.of(before)
        super().save_model(request, obj, form, change)
        if not change:
            record(
                actor=request.user,
                action="account.create",
                target=obj,
                data={"username": obj.username},
            )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        record_account_change(
            account=form.instance, before=request._account_before, by=request.user, how="admin"
        )

    def delete_model(self, request, obj):
        record(
            actor=request.user, action="account.delete", target=obj, data={"username": obj.username}
        )
        super().delete_model(request, obj)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            record(
                actor=request.user,
                action="account.password_set",
                target=self.get_object(request, id),
                data={"how": "admin"},
            )
        return response


# allauth's own registration shows an authenticator's data, which holds its secret.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class SecondFactorAdmin(admin.ModelAdmin):
    """Which second factors an account has, never their secrets. Administrators may remove one
    (a lost phone; the member then enrols again at sign-in), and that is audited; enrolment
    itself happens only on the member's own pages."""

    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type", "created_at", "last_used_at")
    fields = readonly_fields = ("user", "type", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        self._record_removal(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._record_removal(request, obj)
        super().delete_queryset(request, queryset)

    @staticmethod
    def _record_removal(request, obj):
        record(
            actor=request.user,
            action="mfa.authenticator_removed",
            target=obj.user,
            data={"type": obj.type, "how": "admin"},
        )
