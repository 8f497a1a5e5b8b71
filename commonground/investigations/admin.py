from django.contrib import admin
from django.db import transaction

from commonground.investigations.models import Case, DeadlineRule, Toll
from commonground.investigations.tasks import refresh_deadlines
from commonground.lib.admin import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(AuditedAdmin):
    """Deadlines per stage and category; open cases are recomputed in the background."""

    list_display = ["clock", "category", "days", "working_days"]
    list_filter = ["clock", "working_days"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(refresh_deadlines.enqueue)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(refresh_deadlines.enqueue)


class TollInline(ReadOnlyInline):
    model = Toll
    fields = ["reason", "paused_at", "paused_by", "resumed_at", "resumed_by"]


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    """Read-only: cases change only through the case page's actions, which are audited."""

    list_display = ["__str__", "status", "investigator", "due_on", "paused"]
    list_filter = ["paused"]
    fields = [
        "report",
        "opened_at",
        "opened_by",
        "investigator",
        "assigned_at",
        "stage_started_on",
        "stage_due_on",
        "case_due_on",
        "due_on",
        "referred_to",
    ]
    readonly_fields = fields
    inlines = [TollInline]
