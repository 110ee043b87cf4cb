"""PostgreSQL indexes for client search as you type (clients.selectors.client_search).

lower(column) LIKE 'abc%' can use a btree index only with a pattern operator
class when the database collation is not C, and phone LIKE '%0143%' needs a
trigram index. Both are PostgreSQL-only, so they live here rather than in
Meta (SQLite search runs on a first-run practice and needs neither).
"""

from django.db import migrations

INDEXES = [
    ("client_first_name_prefix", "(lower(first_name)) text_pattern_ops"),
    ("client_last_name_prefix", "(lower(last_name)) text_pattern_ops"),
    ("client_preferred_name_prefix", "(lower(preferred_name)) text_pattern_ops"),
    ("client_email_prefix", "(lower(email)) text_pattern_ops"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON clients_client ({expression})")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS client_phone_trgm ON clients_client "
        "USING gin (phone gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in [n for n, _ in INDEXES] + ["client_phone_trgm"]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("clients", "0005_intake_links_intakes_check_ins")]

    operations = [migrations.RunPython(create, drop)]
