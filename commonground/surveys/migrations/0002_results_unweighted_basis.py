from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="estimate",
            name="basis",
            field=models.CharField(
                choices=[
                    ("probability", "Random samples only"),
                    ("all", "Every response, volunteers included"),
                    ("unweighted", "Random samples only, unweighted"),
                ],
                max_length=12,
            ),
        ),
    ]
