from django.contrib import admin

from commonground.early_warning.models import Alert, Detector
from commonground.lib.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(Detector)
class DetectorAdmin(AuditedAdmin):
    list_display = ["name", "kind", "indicator", "window_days", "min_events", "exposure", "active"]
    list_filter = ["kind", "indicator", "active"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "indicator", "category", "active"]}),
        ("Window and threshold", {"fields": ["window_days", "min_events"]}),
        (
            "Peer comparison",
            {"fields": ["exposure", "false_discovery_rate", "min_peers"]},
        ),
    ]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["pk", "officer", "detector", "raised_on", "status", "supervisor"]
    list_filter = ["status", "detector"]
    date_hierarchy = "raised_on"
