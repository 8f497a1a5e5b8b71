from django.contrib import admin
from django.db import transaction

from commonground.evidence.models import (
    CustodyEvent,
    ImportBatch,
    LegalHold,
    Recording,
    RetentionSchedule,
    StoredFile,
)
from commonground.evidence.tasks import apply_retention_schedule
from commonground.lib.admin import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline


@admin.register(RetentionSchedule)
class RetentionScheduleAdmin(AuditedAdmin):
    """How long each kind of item is kept; a change gives the items on it their new dates."""

    list_display = ["name", "kind", "evidentiary", "keep_days"]
    list_filter = ["kind", "evidentiary"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "keep_days" in form.changed_data:
            transaction.on_commit(lambda: apply_retention_schedule.enqueue(schedule_id=obj.pk))

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.items.exists()


class CustodyInline(ReadOnlyInline):
    model = CustodyEvent
    fields = ["sequence", "kind", "occurred_at", "actor_label", "ip_address", "reason", "hash"]


@admin.register(StoredFile)
class StoredFileAdmin(ReadOnlyAdmin):
    list_display = ["reference", "kind", "content_type", "size", "uploaded_at", "disposed_at"]
    list_filter = ["kind", "evidentiary", "content_type"]
    search_fields = ["sha256", "uuid"]
    exclude = ["draft_key"]
    inlines = [CustodyInline]


@admin.register(Recording)
class RecordingAdmin(ReadOnlyAdmin):
    list_display = ["device_id", "officer", "started_at", "ended_at", "batch"]
    search_fields = ["device_id", "officer__badge_number"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["manifest_name", "imported_by_label", "imported_at", "rows"]


@admin.register(LegalHold)
class LegalHoldAdmin(ReadOnlyAdmin):
    list_display = ["matter", "item", "placed_at", "released_at"]
