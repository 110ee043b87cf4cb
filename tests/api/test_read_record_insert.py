"""A list's read records on PostgreSQL go as one array of keys (`unnest`):
the entries are column for column those of the multi-row INSERT the other
databases get, in the same order, committed the same way."""

import uuid
from datetime import UTC, datetime

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practice.security import audit
from sessions.models import SessionNote

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

AT = datetime(2026, 12, 1, 23, 10, 5, 123456, tzinfo=UTC)


@pytest.fixture(autouse=True)
def outside_a_request():
    """No page view's reads already logged (an earlier test's request leaves
    its set in this thread's context), so each call writes every key."""
    token = audit._reads_logged.set(None)
    yield
    audit._reads_logged.reset(token)


def _entries(keys):
    columns = [f.attname for f in LogEntry._meta.concrete_fields if f.attname != "id"]
    rows = LogEntry.objects.filter(object_pk__in=keys).order_by("id").values_list(*columns)
    return list(rows)


@pytest.mark.parametrize("remote_addr", ["203.0.113.9", "2001:db8::7", None])
def test_read_records_as_an_array_are_the_rows_bulk_create_writes(owner, monkeypatch, remote_addr):
    monkeypatch.setattr(audit.timezone, "now", lambda: AT)
    keys = [str(uuid.uuid4()) for _ in range(250)]  # over SQLite's batch too
    with CaptureQueriesContext(connection) as captured:
        audit.audit_reads_by_pk(SessionNote, keys, actor=owner, remote_addr=remote_addr)
    [insert] = [q["sql"] for q in captured.captured_queries if "auditlog_logentry" in q["sql"]]
    assert "unnest" in insert
    as_array = _entries(keys)

    LogEntry.objects.filter(object_pk__in=keys).delete()
    monkeypatch.setattr(audit, "_insert_reads_as_array", audit._insert_reads_as_rows)
    audit.audit_reads_by_pk(SessionNote, keys, actor=owner, remote_addr=remote_addr)
    as_rows = _entries(keys)

    assert len(as_array) == 250 and as_array == as_rows
    order = LogEntry.objects.filter(object_pk__in=keys).order_by("id")
    assert list(order.values_list("object_pk", flat=True)) == keys  # in the order given


def test_an_anonymous_read_has_no_actor(monkeypatch):
    from django.contrib.auth.models import AnonymousUser

    keys = [str(uuid.uuid4())]
    audit.audit_reads_by_pk(SessionNote, keys, actor=AnonymousUser())
    [entry] = LogEntry.objects.filter(object_pk__in=keys)
    assert entry.actor is None and entry.remote_addr is None
    assert entry.action == LogEntry.Action.ACCESS and entry.object_repr == keys[0]
