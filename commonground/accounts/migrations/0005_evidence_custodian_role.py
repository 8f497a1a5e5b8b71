from django.db import migrations


def create_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="evidence_custodian")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_user_officer")]
    operations = [migrations.RunPython(create_role, migrations.RunPython.noop)]
