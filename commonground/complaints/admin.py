from django.contrib import admin

from commonground.complaints.models import AllegationSubtype, Report
from commonground.lib.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """Read-only: reports change only through actions, so every change is audited."""

    list_display = ["reference", "kind", "status", "channel", "received_at", "district"]
    list_filter = ["kind", "status", "channel", "district"]
    date_hierarchy = "received_at"
    fields = [
        "kind",
        "status",
        "channel",
        "received_at",
        "received_by",
        "language",
        "reporter_type",
        "incident_date",
        "incident_date_end",
        "district",
        "district_source",
    ]
    readonly_fields = fields


@admin.register(AllegationSubtype)
class AllegationSubtypeAdmin(AuditedAdmin):
    list_display = ["__str__", "category", "active"]
    list_filter = ["category", "active"]
