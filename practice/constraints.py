from django.contrib.postgres.constraints import ExclusionConstraint
from django.db import connections


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint that exists on PostgreSQL only.

    SQLite has no exclusion constraints; there the booking service serializes
    writers with an IMMEDIATE transaction and checks for overlaps itself.
    """

    @staticmethod
    def _is_postgres(schema_editor):
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        if not self._is_postgres(schema_editor):
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if not self._is_postgres(schema_editor):
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if not self._is_postgres(schema_editor):
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using="default"):
        if connections[using].vendor != "postgresql":
            return
        super().validate(model, instance, exclude=exclude, using=using)


def database_refuses_overlaps(using="default") -> bool:
    """Whether the database itself refuses overlapping active bookings.

    PostgreSQL does (the exclusion constraints above). On SQLite the booking
    service's own check, inside an IMMEDIATE transaction, is the guard.
    """
    return connections[using].vendor == "postgresql"
