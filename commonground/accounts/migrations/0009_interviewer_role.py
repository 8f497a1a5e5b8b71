from django.db import migrations


def create_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="interviewer")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_encrypt_second_factor_secrets")]
    operations = [migrations.RunPython(create_role, migrations.RunPython.noop)]
