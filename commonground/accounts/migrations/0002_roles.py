from django.db import migrations

ROLES = [
    "intake_clerk",
    "investigator",
    "ia_supervisor",
    "board_member",
    "board_staff",
    "community_engagement",
    "training_coordinator",
    "analyst",
    "administrator",
]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
