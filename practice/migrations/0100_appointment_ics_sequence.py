from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0002_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="sequence",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
    ]
