from django.contrib import admin

from commonground.complaints.models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
