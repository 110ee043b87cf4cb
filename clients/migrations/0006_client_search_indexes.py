"""PostgreSQL indexes for client search as you type (clients.selectors.client_search).

lower(column) LIKE 'abc%' can use a btree index only with a pattern operator
class when the database collation is not C. Phone digits are matched at the
end of the number (the last four digits, or the whole national number), so
reverse(phone) LIKE '3410%' uses the same kind of index. Pattern operator
classes are PostgreSQL-only, so these live here rather than in Meta (SQLite
search runs on a first-run practice and needs none).
"""

from django.db import migrations

INDEXES = [
    ("client_first_name_prefix", "(lower(first_name)) text_pattern_ops"),
    ("client_last_name_prefix", "(lower(last_name)) text_pattern_ops"),
    ("client_preferred_name_prefix", "(lower(preferred_name)) text_pattern_ops"),
    ("client_email_prefix", "(lower(email)) text_pattern_ops"),
    ("client_phone_suffix", "(reverse(phone)) text_pattern_ops"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON clients_client ({expression})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("clients", "0005_intake_links_intakes_check_ins")]

    operations = [migrations.RunPython(create, drop)]
