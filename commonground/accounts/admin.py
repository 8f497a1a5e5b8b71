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
