"""Every read record and every webhook delivery is written into as few indexes
as the queries over them need: what api migrations 0005 and 0006 dropped is
gone and what is read stays (the read records themselves: test_note_rows,
test_reads)."""

import pytest
from auditlog.models import LogEntry
from django.db import connection

from api.webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


def _indexes(table):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name: c["columns"] for name, c in constraints.items() if c["index"] or c["unique"]}


def test_a_webhook_delivery_is_indexed_by_endpoint_once():
    indexed = list(_indexes(WebhookDelivery._meta.db_table).values())
    # The (endpoint, -created_at) index leads with the endpoint...
    assert ["endpoint_id", "created_at"] in indexed
    # ...so no index of the endpoint alone is written by every delivery too.
    assert ["endpoint_id"] not in indexed


def test_the_audit_log_keeps_only_the_indexes_its_queries_read():
    indexes = _indexes(LogEntry._meta.db_table)
    columns = list(indexes.values())
    # Read: the primary key, a record's trail, the audit page's order, the
    # admin's filters and the actor's foreign key.
    for kept in (["id"], ["object_pk"], ["timestamp"], ["action"], ["cid"],
                 ["content_type_id"], ["actor_id"]):  # fmt: skip
        assert kept in columns, kept
    # Read by nothing: the integer key, and the prefix-match (LIKE) copies.
    assert ["object_id"] not in columns
    assert not [name for name in indexes if name.endswith("_like")]
    # One index per column kept: no second copy of any of them.
    assert len(columns) == len(set(map(tuple, columns)))
