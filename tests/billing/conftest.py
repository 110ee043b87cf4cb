from decimal import Decimal

import pytest

from billing import services
from tests.factories import AppointmentFactory, ClientFactory, ServiceFactory
from tests.practice.reminders.test_worker import broker, outbox, workers  # noqa: F401 - fixtures


@pytest.fixture
def session(therapist, location):
    """Dana's completed 60-minute session with Maria, $95."""
    therapist.credentials = "LMT"
    therapist.licence_number = "MA-12345"
    therapist.save()
    service = ServiceFactory(name="60 min deep tissue", price=Decimal("95.00"))
    return AppointmentFactory(
        therapist=therapist,
        service=service,
        location=location,
        client=ClientFactory(first_name="Maria", last_name="Gonzalez"),
        status="completed",
    )


@pytest.fixture
def issued(session, front_desk):
    invoice = services.invoice_open_for_appointment(appointment=session, by=front_desk)
    return services.invoice_issue(invoice=invoice, by=front_desk)
