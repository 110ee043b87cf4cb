"""Fifty desks issuing at once: numbers stay unique and without gaps (PostgreSQL)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from billing import services
from billing.models import Invoice
from tests.factories import AppointmentFactory, ServiceFactory, TherapistFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
DESKS = 50


def _hour(n):
    # One therapist, sessions two hours apart (with cleanup): no clash between them.
    return timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2 * n + 1)


def test_fifty_concurrent_issues_get_numbers_one_to_fifty(location):
    service = ServiceFactory(price="80.00")
    therapist = TherapistFactory(services=[service])
    drafts = [
        services.invoice_open_for_appointment(
            appointment=AppointmentFactory(
                therapist=therapist, service=service, location=location, starts_at=_hour(n)
            ),
            by=None,
        )
        for n in range(DESKS)
    ]
    barrier = threading.Barrier(DESKS)
    errors = []

    def issue(draft):
        try:
            barrier.wait()
            services.invoice_issue(invoice=draft, by=None)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == list(range(1, DESKS + 1))


def test_an_issue_that_rolls_back_gives_its_number_back(location):
    service = ServiceFactory(price="80.00")
    therapist = TherapistFactory(services=[service])

    def draft(n):
        appointment = AppointmentFactory(
            therapist=therapist, service=service, location=location, starts_at=_hour(n)
        )
        return services.invoice_open_for_appointment(appointment=appointment, by=None)

    first, doomed, last = draft(0), draft(1), draft(2)
    services.invoice_issue(invoice=first, by=None)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.invoice_issue(invoice=doomed, by=None)
        raise RuntimeError("the desk's browser died mid-checkout")
    services.invoice_issue(invoice=last, by=None)
    assert sorted(Invoice.objects.exclude(number=None).values_list("number", flat=True)) == [1, 2]
