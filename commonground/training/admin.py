from django.contrib import admin

from commonground.lib.admin import ReadOnlyAdmin
from commonground.training.models import Policy, PolicyVersion


@admin.register(Policy)
class PolicyAdmin(ReadOnlyAdmin):
    """Policies change only through the staff pages (audited actions); here to look them up."""

    list_display = ["number", "category", "retired_on"]
    list_filter = ["category"]
    search_fields = ["number"]


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ["policy", "number", "status", "effective_on", "published_at"]
    list_filter = ["status"]
