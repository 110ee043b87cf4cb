"""Events are recorded by the services that make the change, in their transaction."""

import json
from datetime import datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from api.webhooks import events, services
from api.webhooks.models import WebhookAttempt, WebhookDelivery
from billing import services as billing
from clients import services as clients
from practice import services as practice
from sessions import services as sessions
from tests.clients.factories import intake_answers
from tests.factories import AppointmentFactory, ClientFactory, ServiceFactory
from tests.sessions.conftest import ensure_techniques

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ALL = list(events.SUBSCRIBABLE)
HOOK = "http://127.0.0.1:8/hook"


def bodies(endpoint=None, event=None):
    rows = WebhookDelivery.objects.order_by("id")
    if endpoint is not None:
        rows = rows.filter(endpoint=endpoint)
    if event is not None:
        rows = rows.filter(event=event)
    return [json.loads(row.body) for row in rows]


@pytest.fixture
def book(location, therapist, front_desk, works_every_day, settings):
    works_every_day(therapist, location)
    service = ServiceFactory(needs_room=False)
    therapist.services.add(service)

    def book(hours_ahead=72, client=None):
        tz = ZoneInfo(location.time_zone)
        day = timezone.localtime(timezone.now() + timedelta(hours=hours_ahead), tz).date()
        return practice.appointment_book(
            client=client or ClientFactory(first_name="Maria", last_name="Gonzalez"),
            therapist=therapist,
            service=service,
            starts_at=datetime.combine(day, clock_time(10), tzinfo=tz),
            booked_by=front_desk,
            location=location,
        )

    return book


def test_booking_moving_and_cancelling_each_send_their_event(book, endpoint_for, front_desk):
    everything = endpoint_for(HOOK, events=ALL)
    cancels_only = endpoint_for(HOOK, events=["appointment.cancelled"])
    appointment = book()
    moved = practice.appointment_reschedule(
        appointment=appointment, starts_at=appointment.starts_at + timedelta(days=1), by=front_desk
    )
    practice.appointment_cancel(appointment=moved, by=front_desk, reason="Migraine flare-up")
    received = bodies(everything)
    assert [b["type"] for b in received] == [
        "appointment.booked",
        "appointment.rescheduled",
        "appointment.cancelled",
    ]
    assert len({b["id"] for b in received}) == 3
    assert received[1]["data"]["starts_at"] == moved.starts_at.isoformat()
    assert [b["type"] for b in bodies(cancels_only)] == ["appointment.cancelled"]
    cancelled = received[2]["data"]
    assert cancelled["appointment_id"] == str(appointment.pk)
    assert cancelled["status"] == "cancelled"
    # The reason is free text staff type, often clinical: never sent.
    assert (
        "Migraine"
        not in WebhookDelivery.objects.get(endpoint=everything, event="appointment.cancelled").body
    )


def test_a_booking_that_rolls_back_sends_nothing(book, endpoint_for):
    endpoint_for(HOOK)
    with pytest.raises(RuntimeError), transaction.atomic():
        book()
        assert WebhookDelivery.objects.count() == 1  # written inside the transaction
        raise RuntimeError("something later in the request failed")
    assert WebhookDelivery.objects.count() == 0


def test_a_clash_sends_nothing(book, endpoint_for):
    endpoint_for(HOOK)
    first = book()
    with pytest.raises(practice.AppointmentClash):
        book(client=first.client)
    assert [b["data"]["appointment_id"] for b in bodies()] == [str(first.pk)]


def test_unsubscribed_and_disabled_endpoints_get_nothing(book, endpoint_for):
    endpoint_for(HOOK, events=["invoice.issued"])
    disabled = endpoint_for(HOOK, events=ALL)
    services.endpoint_set_active(endpoint=disabled, active=False)
    book()
    assert WebhookDelivery.objects.count() == 0


def test_an_intake_sends_ids_and_no_answers(endpoint_for, therapist):
    endpoint_for(HOOK, events=["intake.submitted"])
    client = ClientFactory(primary_therapist=therapist, first_name="Maria")
    _, raw = clients.intake_link_create(client=client)
    answers = intake_answers(
        chief_complaint="Fibromyalgia flare after chemotherapy",
        medications="Warfarin",
        health_conditions=["blood_thinners"],
    )
    intake = clients.intake_submit_online(raw_token=raw, answers=answers, ip="203.0.113.7")
    [delivery] = WebhookDelivery.objects.all()
    event = json.loads(delivery.body)
    assert event["data"] == {
        "intake_id": str(intake.pk),
        "client_id": str(client.pk),
        "submitted_at": intake.submitted_at.isoformat(),
        "how": "online",
    }
    for clinical in ("Fibromyalgia", "chemotherapy", "Warfarin", "blood", "Maria", "203.0.113"):
        assert clinical not in delivery.body


def test_signing_a_note_sends_note_signed_without_its_text(endpoint_for, therapist):
    ensure_techniques()
    endpoint_for(HOOK, events=["note.signed"])
    appointment = AppointmentFactory(
        therapist=therapist,
        starts_at=timezone.now() - timedelta(hours=2),
        status="checked_in",
    )
    note = sessions.note_open_for_appointment(appointment=appointment, user=therapist.user)
    note = sessions.note_save_draft(
        note=note,
        user=therapist.user,
        version=note.version,
        fields={"assessment": "Trigger points in left trapezius released"},
    )
    signed = sessions.note_sign(note=note, user=therapist.user)
    [event] = bodies()
    assert event["type"] == "note.signed"
    assert event["data"] == {
        "note_id": str(signed.pk),
        "appointment_id": str(appointment.pk),
        "client_id": str(appointment.client_id),
        "therapist_id": therapist.pk,
        "signed_at": signed.signed_at.isoformat(),
    }
    assert "trapezius" not in WebhookDelivery.objects.get().body


def test_issuing_and_paying_an_invoice_send_their_events(endpoint_for, front_desk, location):
    endpoint_for(HOOK, events=["invoice.issued", "payment.received"])
    session = AppointmentFactory(
        service=ServiceFactory(price=Decimal("95.00")), location=location, status="completed"
    )
    invoice = billing.invoice_open_for_appointment(appointment=session, by=front_desk)
    invoice = billing.invoice_issue(invoice=invoice, by=front_desk)
    payment = billing.payment_record(
        invoice=invoice, method="card_terminal", amount="40.00", by=front_desk, reference="T-1"
    )
    issued, paid = bodies()
    assert issued["type"] == "invoice.issued"
    assert issued["data"]["number"] == invoice.number
    assert issued["data"]["total"] == str(invoice.total)
    assert paid["type"] == "payment.received"
    assert paid["data"] == {
        "payment_id": str(payment.pk),
        "invoice_id": str(invoice.pk),
        "method": "card_terminal",
        "amount": "40.00",
        "currency": invoice.currency,
        "received_at": payment.received_at.isoformat(),
    }


def test_a_refused_payment_sends_nothing(endpoint_for, front_desk, location):
    endpoint_for(HOOK, events=["payment.received"])
    session = AppointmentFactory(
        service=ServiceFactory(price=Decimal("95.00")), location=location, status="completed"
    )
    invoice = billing.invoice_open_for_appointment(appointment=session, by=front_desk)
    invoice = billing.invoice_issue(invoice=invoice, by=front_desk)
    with pytest.raises(Exception, match="due"):
        billing.payment_record(invoice=invoice, method="cash", amount="500", by=front_desk)
    assert WebhookDelivery.objects.count() == 0


def test_recording_is_one_statement_with_or_without_subscribers(
    endpoint_for, django_assert_num_queries
):
    appointment = AppointmentFactory()
    with django_assert_num_queries(1):
        assert services.webhook_event_record(event="appointment.booked", instance=appointment) == 0
    for _ in range(3):
        endpoint_for(HOOK)
    with django_assert_num_queries(1):
        assert services.webhook_event_record(event="appointment.booked", instance=appointment) == 3
    # One event, one id, whichever endpoint receives it.
    assert len({row.event_id for row in WebhookDelivery.objects.all()}) == 1


def test_an_unknown_event_name_is_a_programming_error():
    with pytest.raises(ValueError):
        services.webhook_event_record(event="note.deleted", instance=None)


def test_old_sent_and_failed_deliveries_are_pruned_and_pending_ones_kept(endpoint_for, settings):
    settings.RELIEF_WEBHOOK_KEEP_DAYS = 30
    endpoint_for(HOOK)
    old = timezone.now() - timedelta(days=31)

    def delivery(status, created):
        services.webhook_event_record(
            event="appointment.booked", instance=AppointmentFactory(), now=created
        )
        row = WebhookDelivery.objects.order_by("-id").first()
        WebhookDelivery.objects.filter(pk=row.pk).update(status=status)
        row.attempt_log.create(started_at=created, duration_ms=1, status_code=200)
        return row.pk

    for status in ("sent", "failed", "sent"):
        delivery(status, old)
    waiting = delivery("pending", old)
    recent = delivery("sent", timezone.now())
    assert services.webhook_deliveries_prune(chunk=2) == 3
    assert sorted(WebhookDelivery.objects.values_list("pk", flat=True)) == [waiting, recent]
    assert WebhookAttempt.objects.count() == 2
