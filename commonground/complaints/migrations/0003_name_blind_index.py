"""A blind index of reporters' and involved people's names, so staff can search by name
without the database ever holding one. Existing rows are indexed here (each decrypted once)."""

from django.db import migrations

import commonground.complaints.models


def index_existing_names(apps, schema_editor):
    Report = apps.get_model("complaints", "Report")
    InvolvedPerson = apps.get_model("complaints", "InvolvedPerson")
    for model, source, target in (
        (Report, "reporter_contact", "reporter_name_index"),
        (InvolvedPerson, "details", "name_index"),
    ):
        for row in (
            model.objects.exclude(**{f"{source}__isnull": True}).only("pk", source).iterator()
        ):
            # Saving runs the field's pre_save, which computes the index from the name.
            row.save(update_fields=[target])


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0002_allegationsubtype_involvedofficer_role_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="involvedperson",
            name="name_index",
            field=commonground.complaints.models.NameIndexField(source="details"),
        ),
        migrations.AddField(
            model_name="report",
            name="reporter_name_index",
            field=commonground.complaints.models.NameIndexField(source="reporter_contact"),
        ),
        migrations.RunPython(index_existing_names, migrations.RunPython.noop),
    ]
