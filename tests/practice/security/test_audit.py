"""Batched audit entries say what auditlog itself would have written, and show on the audit log."""

import re
from copy import copy
from datetime import timedelta
from decimal import Decimal

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from bench.pages import intake_body
from clients.models import Score
from practice.models import Appointment
from practice.security.audit import AuditBatch, audit_batch
from sessions.models import SessionNote
from sessions.services import note_open_for_appointment
from tests.factories import AppointmentFactory, ClientFactory, ServiceFactory
from tests.practice.scheduling_world import local_at, local_day, slot_value, works_every_day

pytestmark = pytest.mark.django_db

# What identifies the row and the moment differs between two entries; the rest must not.
SAME = (
    "content_type_id",
    "action",
    "actor_id",
    "actor_email",
    "remote_addr",
    "remote_port",
    "cid",
    "serialized_data",
    "additional_data",
    "changes_text",
)


def _entry(instance, action=LogEntry.Action.CREATE):
    return LogEntry.objects.get_for_object(instance).get(action=action)


def _alike(native, batched, row_fields=("id",)):
    assert {f: getattr(batched, f) for f in SAME} == {f: getattr(native, f) for f in SAME}
    assert batched.object_repr == native.object_repr
    mine = {k: v for k, v in batched.changes.items() if k not in row_fields}
    theirs = {k: v for k, v in native.changes.items() if k not in row_fields}
    assert mine == theirs


def _score(client, value=Decimal("4")):
    return Score(
        client=client,
        instrument=Score.Instrument.PAIN_NRS,
        value=value,
        recorded_at=timezone.now().replace(microsecond=0),
        context=Score.Context.INTAKE,
        source_type="intake",
        source_id="1",
    )


def test_batched_entries_match_what_auditlog_writes(front_desk):
    client = ClientFactory(first_name="Maria", last_name="Gonzalez")
    twin = ClientFactory(first_name="Maria", last_name="Gonzalez")
    with set_actor(front_desk, remote_addr="203.0.113.9"):
        # Created.
        native = _score(client)
        native.save()
        with audit_batch() as log:
            (batched,) = log.bulk_create(Score, [_score(client)])
        _alike(_entry(native), _entry(batched))
        assert _entry(batched).actor == front_desk
        assert _entry(batched).remote_addr == "203.0.113.9"
        # Changed: only the field that changed, not the timestamp the save fills in.
        client.preferred_name = "Mari"
        client.save(update_fields=["preferred_name", "updated_at"])
        with audit_batch() as log:
            stored = copy(twin)
            twin.preferred_name = "Mari"
            log.save(twin, old=stored, update_fields=["preferred_name", "updated_at"])
        update = LogEntry.Action.UPDATE
        _alike(_entry(client, update), _entry(twin, update))
        assert set(_entry(twin, update).changes) == {"preferred_name"}
        # Deleted.
        native_pk, batched_pk = native.pk, batched.pk
        native.delete()
        with audit_batch() as log:
            log.delete(batched)
        deletions = LogEntry.objects.filter(action=LogEntry.Action.DELETE)
        _alike(
            deletions.get(object_pk=str(native_pk)),
            deletions.get(object_pk=str(batched_pk)),
            row_fields=("id",),
        )
    assert not Score.objects.exists()


def test_an_update_that_changes_nothing_is_not_logged():
    client = ClientFactory()
    with audit_batch() as log:
        log.save(client, old=copy(client), update_fields=["first_name", "updated_at"])
    assert not LogEntry.objects.filter(action=LogEntry.Action.UPDATE).exists()


def test_an_update_needs_the_stored_row():
    client = ClientFactory()
    with pytest.raises(ValueError, match="stored row"):
        AuditBatch().save(client)


def test_entries_are_not_written_when_the_block_fails():
    client = ClientFactory()
    with pytest.raises(RuntimeError), audit_batch() as log:
        log.bulk_create(Score, [_score(client)])
        raise RuntimeError("the transaction rolls back")
    assert not LogEntry.objects.filter(content_type__model="score").exists()


def _rows(page):
    """The audit log table as one text line per entry."""
    rows = re.findall(r"<tr(?: [^>]*)?>(.*?)</tr>", page, flags=re.S)
    return [" | ".join(re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)) for row in rows]


def test_audit_log_shows_the_booking_intake_and_note_autosave_with_their_actors(
    client_as, location, therapist, front_desk
):
    service = ServiceFactory(name="Deep tissue", needs_room=False)
    therapist.services.add(service)
    works_every_day(therapist, location)
    maria = ClientFactory(first_name="Maria", last_name="Gonzalez", primary_therapist=therapist)
    day = local_day(location)
    desk = client_as("front_desk")
    booked = desk.post(
        reverse("practice:book"),
        {
            "client": str(maria.pk),
            "service": service.pk,
            "therapist": "",
            "date": day.isoformat(),
            "slot": slot_value(therapist, location, local_at(location, day, 10)),
            "repeat_weeks": "0",
            "occurrences": "6",
        },
    )
    assert booked.status_code == 302
    intake = desk.post(reverse("clients:intake_staff", args=[maria.pk]), intake_body(None, 0))
    assert intake.status_code == 302
    session = AppointmentFactory(
        client=maria,
        therapist=therapist,
        location=location,
        starts_at=timezone.now() - timedelta(hours=2),
        status=Appointment.Status.CHECKED_IN,
    )
    draft = note_open_for_appointment(appointment=session, user=therapist.user)
    saved = client_as("therapist").post(
        reverse("sessions:note_autosave", args=[draft.pk]),
        {"version": draft.version, "subjective": "Neck easier", "pain_before": "5"},
        HTTP_HX_REQUEST="true",
    )
    assert "Draft saved at" in saved.content.decode()

    rows = _rows(client_as("owner").get(reverse("owner:audit_log")).content.decode())
    appointment = Appointment.objects.get(client=maria, service=service)
    expected = [
        (f"frankie | create | Appointment: {appointment}",),
        (f"frankie | create | Intake: {maria.intakes.get()}",),
        ("frankie | update | Client: Maria Gonzalez", "date_of_birth", "emergency_contact_name"),
        ("frankie | create | Score: Pain (0-10) 4 (Intake)",),
        ("frankie | create | Score: PEG-3 5.0 (Intake)",),
        ("frankie | create | Score: Sleep quality rating (0-10) 3 (Intake)",),
        ("dana | create | Score: Pain (0-10) 5 (Before session)",),
        (f"dana | update | Session note: {SessionNote.objects.get()}", "subjective", "version"),
    ]
    for parts in expected:
        assert any(all(part in row for part in parts) for row in rows), (parts, rows)
    assert len([row for row in rows if "| Score: " in row]) == 7


def test_a_clash_found_by_the_database_rolls_back_the_entry_too(location, therapist, front_desk):
    from practice import services

    service = ServiceFactory(needs_room=False)
    therapist.services.add(service)
    works_every_day(therapist, location)
    starts_at = local_at(location, local_day(location), 10)
    booking = {
        "therapist": therapist,
        "service": service,
        "location": location,
        "booked_by": front_desk,
    }
    first = services.appointment_book(client=ClientFactory(), starts_at=starts_at, **booking)
    with pytest.raises(services.AppointmentClash) as clash:
        services.appointment_book(
            client=ClientFactory(), starts_at=starts_at + timedelta(minutes=30), **booking
        )
    assert clash.value.conflict == first
    assert Appointment.objects.count() == 1
    assert LogEntry.objects.filter(content_type__model="appointment").count() == 1
