"""A meeting's public notice: the place (the former `location`, now published), how to attend and
speak, and a summary of the agenda."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0002_discipline_ladder"),
    ]

    operations = [
        migrations.RenameField(model_name="meeting", old_name="location", new_name="place"),
        migrations.AddField(
            model_name="meeting",
            name="how_to_attend",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="meeting",
            name="agenda_summary",
            field=models.TextField(blank=True),
        ),
    ]
