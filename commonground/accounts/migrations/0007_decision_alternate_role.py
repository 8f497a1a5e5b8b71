from django.db import migrations


def create_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="decision_alternate")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_sworn_roles")]
    operations = [migrations.RunPython(create_role, migrations.RunPython.noop)]
