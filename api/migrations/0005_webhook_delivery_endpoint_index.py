import django.db.models.deletion
from django.db import migrations, models

INDEX = "api_webhookdelivery_endpoint_id_0a262f46"


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0004_exports"),
    ]

    # webhook_delivery_endpoint (endpoint, -created_at) leads with the column,
    # so it serves every lookup and the cascade this one did. Only the index
    # goes: AlterField would also drop and re-add the foreign key, validating
    # every delivery row again under an exclusive lock.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="webhookdelivery",
                    name="endpoint",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="api.webhookendpoint",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "api_webhookdelivery" ("endpoint_id")',
                ),
            ],
        ),
    ]
