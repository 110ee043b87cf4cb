"""The chart's read record commits without waiting for the disk (PostgreSQL):
its WAL flush was the chart's one-second tail at the chain's scale."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practice.security.audit import read_record_commit
from tests.factories import ClientFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ASYNC = "SET LOCAL synchronous_commit TO OFF"


def test_opening_a_chart_records_the_read_with_an_asynchronous_commit(client_as):
    maria = ClientFactory()
    http = client_as("owner")
    with CaptureQueriesContext(connection) as captured:
        assert http.get(reverse("clients:detail", args=[maria.pk])).status_code == 200
    sql = [q["sql"] for q in captured.captured_queries]
    # In the INSERT's own query string: no extra query.
    assert [q for q in sql if q.startswith(f'{ASYNC}; INSERT INTO "auditlog_logentry"')]
    assert LogEntry.objects.filter(object_pk=str(maria.pk), action=LogEntry.Action.ACCESS).exists()
    # Only the read record's own transaction: the setting ends with it.
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


def test_inside_a_callers_transaction_its_writes_keep_their_durability():
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        with read_record_commit():
            LogEntry.objects.create(
                content_type=ContentType.objects.get_for_model(LogEntry),
                object_pk="x",
                action=LogEntry.Action.ACCESS,
                object_repr="x",
            )
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
    assert not [q for q in captured.captured_queries if ASYNC in q["sql"]]
