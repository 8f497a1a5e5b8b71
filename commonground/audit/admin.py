from django.contrib import admin

from commonground.audit.actions import record
from commonground.audit.models import AuditEvent
from commonground.lib.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The log, read-only. Reading it is itself audited (CJIS AU-9)."""

    list_display = [
        "sequence",
        "occurred_at",
        "actor_label",
        "action",
        "outcome",
        "target_type",
        "target_id",
        "source",
        "address",
    ]
    list_filter = ["action", "outcome", "source", "target_type"]
    search_fields = ["target_id", "actor_label"]

    def changelist_view(self, request, extra_context=None):
        record(
            actor=request.user, action="audit.viewed", data={"query": request.GET.urlencode()[:500]}
        )
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        record(actor=request.user, action="audit.viewed", data={"event": str(object_id)[:20]})
        return super().change_view(request, object_id, form_url, extra_context)
