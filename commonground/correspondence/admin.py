from django.contrib import admin

from commonground.correspondence.models import CallAttempt, ContactTask
from commonground.lib.admin import ReadOnlyAdmin, ReadOnlyInline


class CallAttemptInline(ReadOnlyInline):
    model = CallAttempt
    fields = ["at", "by", "outcome", "note"]


@admin.register(ContactTask)
class ContactTaskAdmin(ReadOnlyAdmin):
    """Tasks change only through the staff pages' actions, which audit them."""

    list_display = ["pk", "kind", "report", "milestone", "language", "due_on", "status"]
    list_filter = ["kind", "status", "language", "notice"]
    date_hierarchy = "created_at"
    inlines = [CallAttemptInline]
