"""Two confirms at once, and a desk booking racing an import (real PostgreSQL, threads)."""

import threading
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from api.imports import services
from api.imports.models import ImportBatch
from clients.models import Client
from practice.models import Appointment
from practice.services import AppointmentClash, appointment_book
from tests import factories

from .conftest import appointments_csv, next_weekday_local

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(*jobs):
    barrier = threading.Barrier(len(jobs))
    outcomes = []

    def run(job):
        try:
            barrier.wait()
            outcomes.append(job())
        except Exception as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_owners_confirming_at_once_import_once(owner):
    rows = "".join(f"Ana{i},Ruiz,ana{i}@example.com\n" for i in range(50))
    batch = services.import_batch_upload(
        raw=("First Name,Last Name,Email\n" + rows).encode(),
        file_name="clients.csv",
        kind="clients",
        by=owner,
    )
    batch = services.import_batch_check(
        batch=batch, mapping=batch.mapping, date_order="ymd", by=owner
    )

    outcomes = _race(
        lambda: services.import_batch_confirm(batch=batch, by=owner),
        lambda: services.import_batch_confirm(batch=batch, by=owner),
    )

    assert Client.objects.count() == 50
    confirmed = [o for o in outcomes if isinstance(o, ImportBatch)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(confirmed) == 1 and len(refused) == 1, outcomes
    assert refused[0].messages == ["This file has been imported already."]


def test_a_desk_booking_racing_the_import_never_double_books(owner, practice, therapist, location):
    ana = factories.ClientFactory(email="ana@example.com")
    day = next_weekday_local()
    raw = appointments_csv(
        [(f"{day:%m/%d/%Y}", "10:00", 60, "Dana Reyes", "60 min deep tissue", ana.email)]
    )
    batch = services.import_batch_upload(
        raw=raw, file_name="appointments.csv", kind="appointments", by=owner
    )
    batch = services.import_batch_check(
        batch=batch, mapping=batch.mapping, date_order="mdy", by=owner
    )
    starts_at = datetime.combine(day, time(10), tzinfo=ZoneInfo(location.time_zone))

    outcomes = _race(
        lambda: services.import_batch_confirm(batch=batch, by=owner),
        lambda: appointment_book(
            client=factories.ClientFactory(),
            therapist=therapist,
            service=practice,
            location=location,
            starts_at=starts_at,
            booked_by=None,
        ),
    )

    # Exactly one of them holds Dana at 10:00; the other was told why.
    assert Appointment.objects.active().filter(therapist=therapist).count() == 1, outcomes
    losers = [o for o in outcomes if isinstance(o, Exception)]
    assert len(losers) == 1
    assert isinstance(losers[0], AppointmentClash | services.ImportChanged), losers
