"""Delivering one webhook to a real HTTP server: signature, retries, log, refusals."""

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from api.webhooks import delivery, services
from api.webhooks.models import WebhookAttempt, WebhookDelivery
from tests.factories import AppointmentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

Status = WebhookDelivery.Status


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """The receiver's check, as the README shows it (independent of Relief's code)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if p.startswith("t="))
    signatures = [p[3:] for p in header.split(",") if p.startswith("v1=")]
    timestamp = int(parts["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return any(hmac.compare_digest(expected, s) for s in signatures)


def booked(endpoint_url, endpoint_for, **fields):
    endpoint = endpoint_for(endpoint_url, **fields)
    appointment = AppointmentFactory()
    services.webhook_event_record(event="appointment.booked", instance=appointment)
    return endpoint, appointment, WebhookDelivery.objects.get(endpoint=endpoint)


def deliver(row) -> str:
    sender = delivery.Sender()
    try:
        return delivery.webhook_deliver(delivery_id=row.pk, sender=sender)
    finally:
        sender.close()


def test_a_delivery_arrives_signed_with_the_endpoints_secret(receiver, endpoint_for):
    server = receiver()
    endpoint, appointment, row = booked(server.url, endpoint_for)
    assert deliver(row) == "sent"
    [request] = server.requests
    headers = request["headers"]
    assert request["path"] == "/hooks/relief"
    assert headers["Content-Type"] == "application/json"
    assert headers["Relief-Event"] == "appointment.booked"
    assert headers["Relief-Event-Id"] == str(row.event_id)
    assert verify(endpoint.secret, headers["Relief-Signature"], request["body"])
    assert not verify("whsec_someone-else", headers["Relief-Signature"], request["body"])
    assert not verify(endpoint.secret, headers["Relief-Signature"], request["body"] + b" ")
    event = json.loads(request["body"])
    assert event["id"] == str(row.event_id)
    assert event["type"] == "appointment.booked"
    assert event["data"]["appointment_id"] == str(appointment.pk)
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 1 and row.last_status_code == 200
    [attempt] = row.attempt_log.all()
    assert attempt.status_code == 200 and attempt.error == "" and attempt.duration_ms > 0


def test_a_500_is_retried_with_backoff_and_the_next_200_sends_it(receiver, endpoint_for):
    server = receiver(answers=[500])
    endpoint, _, row = booked(server.url, endpoint_for)
    before = timezone.now()
    assert deliver(row) == "retrying"
    after = timezone.now()
    row.refresh_from_db()
    assert row.status == Status.PENDING and row.attempts == 1
    assert row.last_status_code == 500 and "500" in row.last_error
    # Thirty seconds from the attempt, however long the attempt itself took.
    assert before + timedelta(seconds=30) <= row.due_at <= after + timedelta(seconds=30)
    assert row.claimed_at is None
    # Not due yet: a duplicate task sends nothing.
    assert deliver(row) == "not due"
    assert len(server.requests) == 1
    # Thirty seconds pass.
    WebhookDelivery.objects.filter(pk=row.pk).update(due_at=timezone.now())
    assert deliver(row) == "sent"
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 2
    assert [a.status_code for a in row.attempt_log.all()] == [500, 200]
    first, second = server.requests
    # The same event (the receiver's idempotency key), each attempt signed afresh.
    assert first["body"] == second["body"]
    assert verify(endpoint.secret, second["headers"]["Relief-Signature"], second["body"])
    # A sent delivery is never sent again by a late duplicate task.
    assert deliver(row) == "not pending"
    assert len(server.requests) == 2


def test_backoff_doubles_from_30_seconds_to_hourly():
    waits = [delivery.retry_wait(n).total_seconds() for n in range(1, 11)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    assert delivery.retry_wait(500).total_seconds() == 3600


def test_retries_for_a_day_then_marks_the_delivery_failed(receiver, endpoint_for):
    server = receiver(answers=[503] * 100)
    _, _, row = booked(server.url, endpoint_for)
    outcomes = []
    elapsed = timedelta(0)
    # Walk a clock through every retry: each attempt happens when due, with
    # what is left of the day as the retry limit.
    for _ in range(60):
        outcome = deliver(row)
        outcomes.append(outcome)
        if outcome == "failed":
            break
        row.refresh_from_db()
        elapsed += delivery.retry_wait(row.attempts)
        WebhookDelivery.objects.filter(pk=row.pk).update(
            due_at=timezone.now(), retry_until=timezone.now() + (timedelta(hours=24) - elapsed)
        )
    row.refresh_from_db()
    assert row.status == Status.FAILED
    # 30 s, 1, 2, 4, 8, 16, 32 min (about 63.5 min), then hourly until the day is up.
    assert outcomes.count("retrying") == 7 + 22
    assert len(server.requests) == row.attempts == 30
    assert row.attempt_log.count() == 30


def test_a_redirect_is_not_followed(receiver, endpoint_for):
    server = receiver(answers=[301])
    _, _, row = booked(server.url, endpoint_for)
    assert deliver(row) == "retrying"
    row.refresh_from_db()
    assert row.last_status_code == 301
    assert row.last_error == "Redirect to /elsewhere not followed."
    assert [r["path"] for r in server.requests] == ["/hooks/relief"]


def test_a_slow_receiver_times_out_quickly(receiver, endpoint_for, settings):
    settings.RELIEF_WEBHOOK_READ_TIMEOUT = 0.5
    server = receiver(delay=3)
    _, _, row = booked(server.url, endpoint_for)
    started = time.monotonic()
    assert deliver(row) == "retrying"
    assert time.monotonic() - started < 2
    attempt = WebhookAttempt.objects.get(delivery=row)
    assert attempt.status_code is None and attempt.error == "Timed out."
    assert 400 < attempt.duration_ms < 2000


def test_nothing_listening_is_logged_as_an_error(endpoint_for):
    _, _, row = booked("http://127.0.0.1:9/nothing", endpoint_for)
    assert deliver(row) == "retrying"
    row.refresh_from_db()
    assert row.last_status_code is None
    assert row.last_error.startswith("Could not connect")


def test_an_address_turned_private_since_it_was_saved_is_refused_at_send_time(
    receiver, endpoint_for, settings
):
    server = receiver()
    endpoint, _, row = booked(server.url, endpoint_for)
    # Production: no plain http, no loopback, whatever was saved before.
    settings.RELIEF_WEBHOOK_ALLOW_LOCAL_HTTP = False
    assert deliver(row) == "retrying"
    row.refresh_from_db()
    assert "https" in row.last_error
    endpoint.url = "https://10.1.2.3/hook"
    endpoint.save()
    WebhookDelivery.objects.filter(pk=row.pk).update(due_at=timezone.now())
    assert deliver(row) == "retrying"
    row.refresh_from_db()
    assert "private or local address" in row.last_error
    assert server.requests == []


def test_a_disabled_endpoint_gets_nothing_and_its_pending_delivery_fails(receiver, endpoint_for):
    server = receiver()
    endpoint, _, row = booked(server.url, endpoint_for)
    services.endpoint_set_active(endpoint=endpoint, active=False)
    assert deliver(row) == "skipped"
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.last_error == "The endpoint is disabled."
    assert server.requests == []
    services.webhook_event_record(event="appointment.booked", instance=AppointmentFactory())
    assert WebhookDelivery.objects.count() == 1


def test_resend_sends_the_same_event_again(receiver, endpoint_for, owner):
    server = receiver()
    _, _, row = booked(server.url, endpoint_for)
    assert deliver(row) == "sent"
    row = services.delivery_resend(delivery=row, by=owner)
    assert row.status == Status.PENDING and row.attempts == 0
    assert deliver(row) == "sent"
    assert len(server.requests) == 2
    assert server.requests[0]["body"] == server.requests[1]["body"]
    with pytest.raises(Exception, match="already waiting"):
        services.delivery_resend(
            delivery=services.delivery_resend(delivery=row, by=owner), by=owner
        )


def test_after_a_rotation_both_secrets_sign_for_a_day(receiver, endpoint_for):
    server = receiver()
    endpoint, _, row = booked(server.url, endpoint_for)
    old = endpoint.secret
    rotated = services.endpoint_rotate_secret(endpoint=endpoint)
    assert rotated.secret != old
    assert deliver(row) == "sent"
    request = server.requests[0]
    header = request["headers"]["Relief-Signature"]
    assert header.count("v1=") == 2
    assert verify(rotated.secret, header, request["body"])
    assert verify(old, header, request["body"])
    # A day later only the new secret signs.
    later = timezone.now() + timedelta(hours=25)
    assert services.signing_secrets(rotated, later) == [rotated.secret]


@pytest.mark.django_db(transaction=True)
def test_a_delivery_being_sent_is_skipped_by_a_second_task(receiver, endpoint_for):
    server = receiver()
    _, _, row = booked(server.url, endpoint_for)
    locked, release = threading.Event(), threading.Event()

    def hold():
        # Another worker's batch: its session holds the delivery's send lock.
        try:
            assert delivery._hold([row.pk]) == [row.pk]
            assert delivery.in_flight(row.pk)
            locked.set()
            release.wait(10)
            delivery._let_go([row.pk])
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    locked.wait(10)
    try:
        assert deliver(row) == "busy"
    finally:
        release.set()
        thread.join()
    assert server.requests == []
    # Once that worker lets go, the delivery goes out (it was still pending).
    assert not delivery.in_flight(row.pk)
    assert deliver(row) == "sent"
    assert len(server.requests) == 1


def _batch(endpoint_url, endpoint_for, count):
    endpoint = endpoint_for(endpoint_url)
    for _ in range(count):
        services.webhook_event_record(event="appointment.booked", instance=AppointmentFactory())
    return endpoint, list(
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def test_a_batch_sends_each_pending_due_delivery_once_and_says_why_not_the_others(
    receiver, endpoint_for
):
    server = receiver(answers=[200, 500])
    _, ids = _batch(server.url, endpoint_for, 5)
    sent_already, not_due = ids[3], ids[4]
    WebhookDelivery.objects.filter(pk=sent_already).update(status=Status.SENT)
    WebhookDelivery.objects.filter(pk=not_due).update(due_at=timezone.now() + timedelta(hours=1))
    outcomes, left = delivery.webhook_deliveries_send(
        delivery_ids=[*ids, ids[0], 999_999], sender=delivery.Sender()
    )
    assert left == []
    assert outcomes == {
        ids[0]: "sent",
        ids[1]: "retrying",
        ids[2]: "sent",
        sent_already: "not pending",
        not_due: "not due",
        999_999: "gone",
    }
    assert len(server.requests) == 3  # the repeated id was sent once
    rows = WebhookDelivery.objects.in_bulk(ids)
    assert [rows[pk].status for pk in ids[:3]] == [Status.SENT, Status.PENDING, Status.SENT]
    assert rows[ids[1]].last_status_code == 500 and rows[ids[1]].attempts == 1
    assert rows[ids[0]].sent_at and rows[ids[0]].claimed_at is None
    assert [a.status_code for a in WebhookAttempt.objects.order_by("delivery_id")] == [
        200,
        500,
        200,
    ]
    assert not any(delivery.in_flight(pk) for pk in ids)


def test_a_batch_costs_one_statement_per_delivery(
    receiver, endpoint_for, django_assert_num_queries
):
    server = receiver()
    _, ids = _batch(server.url, endpoint_for, 12)
    sender = delivery.Sender()
    # Lock, read, and the synchronous-commit switch on and off are per batch
    # (the switch is left out inside the test's transaction).
    with django_assert_num_queries(3 + 2):
        delivery.webhook_deliveries_send(delivery_ids=ids[:2], sender=sender)
    with django_assert_num_queries(3 + 10):
        delivery.webhook_deliveries_send(delivery_ids=ids[2:], sender=sender)
    assert WebhookDelivery.objects.filter(status=Status.SENT).count() == 12
    assert WebhookAttempt.objects.count() == 12


def test_a_worker_process_keeps_its_connection_across_batches(receiver, endpoint_for):
    server = receiver()
    _, ids = _batch(server.url, endpoint_for, 4)
    sender = delivery.process_sender()
    assert delivery.process_sender() is sender
    try:
        for pair in (ids[:2], ids[2:]):
            sender.forget_addresses()
            outcomes, _ = delivery.webhook_deliveries_send(delivery_ids=pair, sender=sender)
            assert set(outcomes.values()) == {"sent"}
        assert len({r["client_port"] for r in server.requests}) == 1
    finally:
        sender.close()


def test_a_batch_past_its_deadline_hands_back_the_rest_unlocked(receiver, endpoint_for):
    server = receiver(delay=1.0)
    _, ids = _batch(server.url, endpoint_for, 4)
    outcomes, left = delivery.webhook_deliveries_send(
        delivery_ids=ids, sender=delivery.Sender(), deadline=time.monotonic() + 0.5
    )
    assert outcomes == {ids[0]: "sent"}
    assert left == ids[1:]
    assert len(server.requests) == 1
    assert not any(delivery.in_flight(pk) for pk in ids)
    assert WebhookDelivery.objects.filter(status=Status.PENDING).count() == 3
