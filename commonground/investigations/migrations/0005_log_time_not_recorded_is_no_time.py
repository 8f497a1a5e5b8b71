"""A log entry's day is kept apart from its time, and an entry without a time has none.

Entries saved before this were given 12:00 when no time was typed; one typed as 12:00 looks the
same, and nothing else recorded the difference, so old entries keep their 12:00."""

import zoneinfo

from django.conf import settings
from django.db import migrations, models


def days_from_moments(apps, schema_editor):
    LogEntry = apps.get_model("investigations", "LogEntry")
    local = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    for entry in LogEntry.objects.only("pk", "occurred_at").iterator():
        entry.occurred_on = entry.occurred_at.astimezone(local).date()
        entry.save(update_fields=["occurred_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("investigations", "0004_case_evidence"),
    ]

    operations = [
        migrations.AddField(
            model_name="logentry",
            name="occurred_on",
            field=models.DateField(null=True),
        ),
        migrations.RunPython(days_from_moments, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="logentry",
            name="occurred_on",
            field=models.DateField(),
        ),
        migrations.AlterField(
            model_name="logentry",
            name="occurred_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterModelOptions(
            name="logentry",
            options={
                "ordering": [
                    "occurred_on",
                    models.OrderBy(models.F("occurred_at"), nulls_first=True),
                    "pk",
                ],
                "verbose_name_plural": "log entries",
            },
        ),
    ]
