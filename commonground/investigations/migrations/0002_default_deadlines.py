from django.db import migrations

# A common starting point (180 days to close a complaint, a board review window); administrators
# change these in the admin.
DEFAULTS = [
    ("case", "", 180, False),
    ("triage", "", 10, True),
    ("supervisor_review", "", 15, True),
    ("mediation", "", 60, False),
    ("board_review", "", 60, False),
    ("agency_decision", "", 30, False),
]


def create_rules(apps, schema_editor):
    DeadlineRule = apps.get_model("investigations", "DeadlineRule")
    for clock, category, days, working in DEFAULTS:
        DeadlineRule.objects.get_or_create(
            clock=clock, category=category, defaults={"days": days, "working_days": working}
        )


class Migration(migrations.Migration):
    dependencies = [("investigations", "0001_initial")]
    operations = [migrations.RunPython(create_rules, migrations.RunPython.noop)]
