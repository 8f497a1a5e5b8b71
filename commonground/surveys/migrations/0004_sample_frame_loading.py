from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("surveys", "0003_phone_claims")]

    operations = [
        migrations.AddField(
            model_name="addressframe",
            name="loading",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="addressframe",
            name="rows_total",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="addressframe",
            name="rows_loaded",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
