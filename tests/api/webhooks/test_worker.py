"""Webhooks end to end: real PostgreSQL, Redis, Celery worker processes, HTTP receiver.

The guarantee is at least once: every committed event reaches the receiver,
and the only repeat is a delivery that was in flight when its worker died
(the receiver answered, the worker never committed "sent"); it comes again
with the same event id, which the receiver uses to drop it.
"""

import json
import uuid

import pytest

from api.webhooks import delivery, dispatch, services
from api.webhooks.models import WebhookDelivery
from api.webhooks.tasks import webhooks_dispatch
from tests.api.webhooks.test_delivery import verify
from tests.factories import AppointmentFactory
from tests.practice.reminders.test_worker import (
    queue_drained,
    redeliver_unacknowledged,
    wait_until,
)

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

Status = WebhookDelivery.Status


def events_for(endpoint_for, url, count):
    endpoint = endpoint_for(url)
    for _ in range(count):
        services.webhook_event_record(event="appointment.booked", instance=AppointmentFactory())
    return endpoint


def test_a_worker_delivers_every_committed_event_signed(workers, broker, receiver, endpoint_for):
    server = receiver()
    endpoint = events_for(endpoint_for, server.url, 12)
    workers.start()
    webhooks_dispatch.delay()  # what beat runs every 10 seconds
    wait_until(lambda: len(server.requests) == 12, "twelve deliveries")
    wait_until(lambda: queue_drained(broker), "queue drained")
    assert WebhookDelivery.objects.filter(status=Status.SENT).count() == 12
    expected = set(WebhookDelivery.objects.values_list("event_id", flat=True))
    assert {json.loads(r["body"])["id"] for r in server.requests} == {str(e) for e in expected}
    for request in server.requests:
        assert verify(endpoint.secret, request["headers"]["Relief-Signature"], request["body"])


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_the_one_in_flight(
    workers, broker, receiver, endpoint_for, settings
):
    settings.RELIEF_WEBHOOK_CLAIM_LEASE_SECONDS = 1
    # The receiver holds its fifth request: the worker is inside that delivery.
    server = receiver(hold_at=5)
    events_for(endpoint_for, server.url, 20)
    ids = list(WebhookDelivery.objects.order_by("due_at").values_list("pk", flat=True))
    doomed = workers.start()
    assert dispatch.webhook_deliveries_claim_due() == ids  # one send task for all twenty
    wait_until(lambda: len(server.requests) == 5, "worker in the fifth delivery")
    in_flight = ids[4]
    # The worker holds the send lock of its whole batch; the four sent are
    # already committed, one by one.
    assert all(delivery.in_flight(pk) for pk in ids)
    assert WebhookDelivery.objects.filter(status=Status.SENT).count() == 4
    workers.kill(doomed)
    server.release.set()  # the receiver answers a worker that is gone
    wait_until(lambda: not delivery.in_flight(in_flight), "the dead worker's locks dropped")
    assert not any(delivery.in_flight(pk) for pk in ids)
    assert WebhookDelivery.objects.filter(status=Status.SENT).count() == 4
    assert WebhookDelivery.objects.get(pk=in_flight).status == Status.PENDING
    # A new worker; the lease of the dead worker's claim runs out and the
    # dispatcher claims what is left.
    workers.start()
    wait_until(
        lambda: len(dispatch.webhook_deliveries_claim_due()) == 16, "claimed again", timeout=10
    )
    wait_until(lambda: WebhookDelivery.objects.filter(status=Status.SENT).count() == 20, "all sent")
    # The dead worker's unacknowledged message comes back (after the
    # visibility timeout, brought forward here) and finds everything sent.
    redeliver_unacknowledged()
    wait_until(lambda: queue_drained(broker), "redelivered message processed")
    received = server.event_ids()
    by_delivery = dict(WebhookDelivery.objects.values_list("event_id", "pk"))
    assert {by_delivery[uuid.UUID(e)] for e in received} == set(ids)
    repeats = [e for e in set(received) if received.count(e) > 1]
    assert [by_delivery[uuid.UUID(e)] for e in repeats] == [in_flight]
    assert len(received) == 21
