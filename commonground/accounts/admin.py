from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from commonground.accounts.models import User


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "is_active", "last_login"]
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Common Ground", {"fields": ("preferred_language", "unit")}),
    )
