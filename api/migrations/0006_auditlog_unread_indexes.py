from django.db import migrations

# Indexes django-auditlog's migrations create on its entries that no query
# reads, each written for every entry (an API list page writes 100 read
# records per request):
# - the two varchar_pattern_ops copies serve only LIKE 'prefix%', and nothing
#   matches a correlation id or a record's key by prefix (auditlog's admin
#   filters the id by equality, which its plain index serves);
# - object_id is the key of records with integer keys, read only by
#   auditlog's get_for_object(s), which Relief never calls (its clinical
#   records have UUID keys, named by object_pk).
# Kept: object_pk (a record's trail), timestamp (the audit page's order),
# action, cid and content type (the admin's filters), actor (its name search
# and the SET NULL when a user is deleted), and the primary key.
TABLE = "auditlog_logentry"
INDEXES = {
    "auditlog_logentry_cid_9f467263_like": ("cid", "varchar_pattern_ops"),
    "auditlog_logentry_object_pk_6e3219c0_like": ("object_pk", "varchar_pattern_ops"),
    "auditlog_logentry_object_id_09c2eee8": ("object_id", ""),
}


def drop(apps, schema_editor):
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def restore(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for name, (column, opclass) in INDEXES.items():
        if opclass and not postgresql:
            continue  # PostgreSQL's operator classes: never created elsewhere
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{TABLE}" ("{column}" {opclass})'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0005_webhook_delivery_endpoint_index"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [migrations.RunPython(drop, restore, elidable=False)]
