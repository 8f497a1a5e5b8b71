from django.db import migrations


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ("field_supervisor", "officer"):
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_evidence_custodian_role")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
