from django.db import migrations

LADDER = [
    ("none", "No discipline", "Sin sanción", False, None),
    ("counselling", "Counselling", "Orientación", False, None),
    ("training", "Training", "Capacitación", False, None),
    ("written_reprimand", "Written reprimand", "Amonestación por escrito", False, None),
    ("suspension", "Suspension", "Suspensión", True, 30),
    ("demotion", "Demotion", "Degradación", False, None),
    ("termination", "Termination", "Despido", False, None),
]


def create_ladder(apps, schema_editor):
    DisciplineLevel = apps.get_model("oversight", "DisciplineLevel")
    for rank, (code, en, es, takes_days, max_days) in enumerate(LADDER, start=1):
        DisciplineLevel.objects.get_or_create(
            code=code,
            defaults={
                "names": {"en": en, "es": es},
                "rank": rank * 10,
                "takes_days": takes_days,
                "max_days": max_days,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("oversight", "0001_initial")]
    operations = [migrations.RunPython(create_ladder, migrations.RunPython.noop)]
