"""Releases built before issue 16 published allegation records with internal, sequential
report numbers and fields that rebuilt suppressed counts. They are withdrawn, files and all:
until the next build (nightly, or `manage.py publish_release`) the public pages say no release
has been published, rather than serve them."""

from django.core.files.storage import default_storage
from django.db import migrations

WITHDRAWN = (
    "Withdrawn on upgrade: built before record-level data were k-anonymous and audited with the "
    "tables (issue 16). The next release replaces it."
)


def withdraw(apps, schema_editor):
    Release = apps.get_model("publish", "Release")
    ReleaseFile = apps.get_model("publish", "ReleaseFile")
    for release in Release.objects.filter(status="published"):
        for file in ReleaseFile.objects.filter(release=release):
            default_storage.delete(file.name)
        ReleaseFile.objects.filter(release=release).delete()
        release.status, release.error = "failed", WITHDRAWN
        release.save(update_fields=["status", "error"])


class Migration(migrations.Migration):
    dependencies = [("publish", "0001_initial")]

    operations = [migrations.RunPython(withdraw, migrations.RunPython.noop)]
