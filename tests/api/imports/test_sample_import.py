"""The sample exports in tests/api/data: their dry run lists each bad row, then they import."""

from datetime import UTC, datetime

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.urls import reverse

from api.imports import services
from api.imports.models import ImportBatch
from clients.models import Client
from practice.models import Appointment, Reminder
from tests import factories

from .conftest import SAMPLE_NOW, sample

pytestmark = pytest.mark.django_db


def _errors(batch):
    return {e["row"]: " ".join(e["messages"]) for e in batch.errors}


def _import_clients(owner):
    factories.ClientFactory(first_name="Erin", last_name="Fox", email="erin.fox@example.com")
    batch = services.import_batch_upload(
        raw=sample("clients.csv"), file_name="clients.csv", kind="clients", by=owner
    )
    return services.import_batch_check(
        batch=batch, mapping=batch.mapping, date_order=batch.date_order, by=owner
    )


def test_sample_clients_dry_run_lists_every_bad_row_and_writes_nothing(owner):
    batch = _import_clients(owner)

    assert batch.encoding == "UTF-8 with BOM"
    assert batch.date_order == "mdy"
    assert batch.mapping["phone"] == "Mobile Phone"
    errors = _errors(batch)
    assert set(errors) == {4, 5, 6, 7, 8}
    assert errors[4] == "Phone “555-12”: The phone number entered is not valid."
    assert errors[5].startswith("Date of birth:")
    assert errors[6] == "Repeats row 2 (same email)."
    assert errors[7] == "Already in Relief: Erin Fox has the same email."
    assert errors[8] == "Email “frank@”: Enter a valid email address."
    assert batch.valid_rows == [2, 3, 9, 10]
    assert Client.objects.count() == 1


def test_sample_clients_confirm_writes_the_valid_rows_with_their_audit(owner, client):
    batch = _import_clients(owner)
    client.force_login(owner)
    page = client.get(reverse("api:imports:detail", kwargs={"batch_id": batch.pk}))
    assert "4</strong> of 9 rows can be imported" in page.content.decode()
    assert "Repeats row 2 (same email)." in page.content.decode()

    client.post(reverse("api:imports:confirm", kwargs={"batch_id": batch.pk}))

    names = set(Client.objects.values_list("first_name", "last_name"))
    assert names == {
        ("Erin", "Fox"),
        ("Ana", "Ruiz"),
        ("Benjamin", "Cho"),
        ("Grace", "Hill"),
        ("Zoë", "Ng"),
    }
    ana = Client.objects.get(last_name="Ruiz")
    assert str(ana.phone) == "+12025550141"
    assert ana.date_of_birth.isoformat() == "1984-04-12"
    assert ana.emergency_contact_name == "Luis Ruiz"
    assert Client.objects.get(last_name="Cho").preferred_name == "Ben"
    created = LogEntry.objects.filter(
        action=LogEntry.Action.CREATE, content_type__model="client", actor=owner
    )
    assert sorted(created.values_list("object_repr", flat=True)) == [
        "Ana Ruiz",
        "Benjamin “Ben” Cho",
        "Grace Hill",
        "Zoë Ng",
    ]
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CONFIRMED
    assert batch.content == "" and batch.errors == [] and batch.preview == []
    assert len(batch.created_ids) == 4
    done = client.get(reverse("api:imports:detail", kwargs={"batch_id": batch.pk}))
    assert "Ana Ruiz" in done.content.decode()


def test_sample_appointments_dry_run_and_then_book(owner, practice, therapist, location):
    clients = _import_clients(owner)
    services.import_batch_confirm(batch=clients, by=owner)
    grace = Client.objects.get(last_name="Hill")
    # Grace is already in Dana's calendar on Thursday at 10:00 New York time.
    factories.AppointmentFactory(
        client=grace,
        therapist=therapist,
        service=practice,
        location=location,
        starts_at=datetime(2027, 3, 4, 15, 0, tzinfo=UTC),
    )

    batch = services.import_batch_upload(
        raw=sample("appointments.csv"),
        file_name="appointments.csv",
        kind="appointments",
        by=owner,
        now=SAMPLE_NOW,
    )
    assert batch.delimiter == ","
    assert batch.date_order == "mdy"
    assert batch.mapping["therapist"] == "Staff"
    assert batch.mapping["client_email"] == "Client Email"
    before = Appointment.objects.count()
    batch = services.import_batch_check(
        batch=batch, mapping=batch.mapping, date_order="mdy", by=owner, now=SAMPLE_NOW
    )

    errors = _errors(batch)
    assert set(errors) == {3, 5, 6, 7, 8, 9, 10, 11, 13}
    assert errors[3].startswith("Clashes with row 2 of this file: Dana Reyes is already booked")
    assert "does not work 07:00–08:00" in errors[5]
    assert errors[6] == "No therapist called “Jordan Lee” in Relief."
    assert errors[7].startswith("No service called “Hot Stone Deluxe” in Relief")
    assert errors[8] == "No client “hana.ito@example.com” in Relief. Import the clients file first."
    assert errors[9] == "Marked “Cancelled” in the file: not imported."
    assert errors[10].startswith("Date: “02/30/2027” is not a date")
    assert errors[11].startswith("Clashes with a booking in Relief: Dana Reyes is already booked")
    assert "Lasts 90 min in the file" in errors[13]
    assert batch.valid_rows == [2, 4, 12]
    # The dry run booked through the real service and rolled it all back.
    assert Appointment.objects.count() == before
    assert not Reminder.objects.exists()

    with set_actor(owner):  # what AuditlogMiddleware does for a signed-in request
        services.import_batch_confirm(batch=batch, by=owner, now=SAMPLE_NOW)

    booked = Appointment.objects.filter(booked_by=owner).order_by("starts_at")
    assert [(a.client.first_name, a.starts_at) for a in booked] == [
        ("Ana", datetime(2027, 3, 1, 15, 0, tzinfo=UTC)),
        ("Benjamin", datetime(2027, 3, 1, 18, 0, tzinfo=UTC)),
        ("Zoë", datetime(2027, 3, 5, 14, 0, tzinfo=UTC)),
    ]
    kinds = set(Reminder.objects.filter(appointment__in=booked).values_list("kind", flat=True))
    assert Reminder.Kind.CONFIRMATION not in kinds
    assert kinds == {Reminder.Kind.BEFORE_48H, Reminder.Kind.BEFORE_2H}
    assert (
        LogEntry.objects.filter(
            action=LogEntry.Action.CREATE, content_type__model="appointment", actor=owner
        ).count()
        == 3
    )
