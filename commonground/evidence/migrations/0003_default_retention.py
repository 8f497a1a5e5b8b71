"""Default retention schedules; agencies change them in the admin to match their state's rules."""

from django.db import migrations

DEFAULTS = [
    ("Resident uploads", "resident_upload", True, 3650, "Files residents attach to their reports."),
    ("Investigators' files", "case_file", True, 3650, "Files investigators add to a case's log."),
    ("Body-worn camera footage, evidentiary", "bwc_footage", True, 3650,
     "Footage confirmed as evidence on a case, or under review."),
    ("Body-worn camera footage, non-evidentiary", "bwc_footage", False, 180,
     "Footage no case has needed."),
    ("Redacted copies", "redaction", True, 3650, "Redacted copies made for release or for a party."),
]


def seed(apps, schema_editor):
    RetentionSchedule = apps.get_model("evidence", "RetentionSchedule")
    for name, kind, evidentiary, days, description in DEFAULTS:
        RetentionSchedule.objects.get_or_create(
            kind=kind,
            evidentiary=evidentiary,
            defaults={"name": name, "keep_days": days, "description": description},
        )


class Migration(migrations.Migration):
    dependencies = [("evidence", "0002_custody")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
