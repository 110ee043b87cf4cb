from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0100_appointment_ics_sequence"),
    ]

    operations = [
        migrations.AddField(
            model_name="reminder",
            name="send_round",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
