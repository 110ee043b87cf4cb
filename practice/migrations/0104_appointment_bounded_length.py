"""Bound an appointment's occupied time to a day, so range queries can scan
starts_at from `start - 1 day`; the calendars' GiST span index (0103) is then
unused and dropped."""

import datetime
from importlib import import_module

import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models

span_index = import_module("practice.migrations.0103_appointment_span_index")


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0007_client_list_order_index"),
        ("practice", "0103_appointment_span_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(
            span_index._on_postgresql(span_index.DROP), span_index._on_postgresql(span_index.CREATE)
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "occupied_until__lte",
                        django.db.models.expressions.CombinedExpression(
                            models.F("starts_at"), "+", models.Value(datetime.timedelta(days=1))
                        ),
                    )
                ),
                name="appointment_occupied_at_most_a_day",
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(("duration__lte", datetime.timedelta(seconds=43200))),
                name="service_duration_at_most_12_hours",
                violation_error_message="A session lasts at most 12 hours.",
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(("buffer_after__lte", datetime.timedelta(seconds=43200))),
                name="service_buffer_at_most_12_hours",
                violation_error_message="Cleanup time is at most 12 hours.",
            ),
        ),
    ]
