from django.db import migrations


def mark(apps, schema_editor):
    StoredFile = apps.get_model("evidence", "StoredFile")
    StoredFile.objects.filter(log_attachment__isnull=False).update(kind="case_file")


class Migration(migrations.Migration):
    dependencies = [
        ("investigations", "0002_default_deadlines"),
        ("evidence", "0002_custody"),
    ]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
