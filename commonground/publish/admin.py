from django.contrib import admin

from commonground.lib.admin import ReadOnlyAdmin, ReadOnlyInline
from commonground.publish.models import Release, ReleaseFile


class ReleaseFileInline(ReadOnlyInline):
    model = ReleaseFile
    fields = ["dataset", "rows", "size", "sha256", "name"]


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    """Releases are built by `publish_release` and the nightly task, never edited."""

    list_display = ["pk", "status", "started_at", "finished_at", "threshold", "officer_data"]
    list_filter = ["status"]
    inlines = [ReleaseFileInline]
