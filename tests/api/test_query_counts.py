"""API list endpoints: at most 15 queries for a page of 100 rows, and the same
count however much data there is (3 rows of everything, then 110)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Invoice, InvoiceLine, Payment
from clients.models import Score
from sessions.models import (
    Goal,
    NoteAmendment,
    SessionNote,
    Technique,
    TechniqueApplication,
    TreatmentPlan,
)
from tests import factories
from tests.clients.factories import IntakeFactory

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/locations/",
    "/api/v1/services/",
    "/api/v1/therapists/",
    "/api/v1/clients/",
    "/api/v1/appointments/",
    "/api/v1/intakes/",
    "/api/v1/scores/",
    "/api/v1/notes/",
    "/api/v1/plans/",
    "/api/v1/invoices/",
    "/api/v1/payments/",
]
BUDGET = 15


@pytest.fixture
def grow(location, therapist):
    """grow(n): n more clients of Dana's, each with an appointment, intake,
    score, signed note (with a technique and an amendment), plan with a goal,
    and an invoice with a line and a payment; and n more services and therapists."""
    technique = Technique.objects.first() or Technique.objects.create(
        name="Swedish", slug="swedish", category="relaxation"
    )
    made = {"n": 0}

    def add(count):
        service = factories.ServiceFactory(needs_room=False)
        for _ in range(count):
            n = made["n"]
            made["n"] += 1
            factories.ServiceFactory()
            factories.TherapistFactory()
            client = factories.ClientFactory(primary_therapist=therapist)
            appointment = factories.AppointmentFactory(
                client=client,
                therapist=therapist,
                service=service,
                location=location,
                starts_at=timezone.now() - timedelta(days=1, hours=2 * n),
                status="completed",
            )
            IntakeFactory(client=client)
            Score.objects.create(
                client=client, instrument="pain_nrs", value=5, recorded_at=timezone.now(),
                context="check_in",
            )  # fmt: skip
            note = SessionNote.objects.create(
                appointment=appointment, client=client, therapist=therapist, assessment="Ok."
            )
            TechniqueApplication.objects.create(note=note, technique=technique, minutes=10)
            SessionNote.objects.filter(pk=note.pk).update(
                status="signed",
                signed_at=timezone.now(),
                signed_by=therapist.user,
                content_hash="x" * 64,
            )
            NoteAmendment.objects.create(note=note, author=therapist.user, text="Also shoulder.")
            plan = TreatmentPlan.objects.create(
                client=client, therapist=therapist, problem_summary="Back", frequency="Weekly",
                planned_sessions=6, start_date=date(2026, 1, 5),
            )  # fmt: skip
            plan.planned_techniques.add(technique)
            Goal.objects.create(plan=plan, description="Pain at most 3", instrument="pain_nrs",
                                target_value=3)  # fmt: skip
            invoice = Invoice.objects.create(client=client, appointment=appointment,
                                             currency="USD", total="110.00")  # fmt: skip
            InvoiceLine.objects.create(invoice=invoice, description="Massage", quantity=1,
                                       unit_price="110.00", net="110.00")  # fmt: skip
            Payment.objects.create(invoice=invoice, method="cash", amount="50.00",
                                   received_at=timezone.now())  # fmt: skip

    return add


def _count(http, url):
    http.get(url)  # warm: content types, the token's last-used stamp
    with CaptureQueriesContext(connection) as captured:
        response = http.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(captured.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize("persona", ["owner", "therapist", "front_desk"])
def test_list_queries_are_few_and_constant(grow, bearer, persona, owner, therapist, front_desk,
                                           settings):  # fmt: skip
    settings.RELIEF_API_TOKEN_ROLES = ["Owner", "Therapist", "Front desk"]
    user = {"owner": owner, "therapist": therapist.user, "front_desk": front_desk}[persona]
    http = bearer(user)
    grow(3)
    small = {}
    for url in LISTS:
        if http.get(url).status_code == 200:
            small[url] = _count(http, url)
    grow(107)
    for url, (queries, rows) in small.items():
        more, more_rows = _count(http, url)
        assert more_rows > rows or url == "/api/v1/locations/", url
        assert more <= BUDGET, f"{url}: {more} queries"
        assert more == queries, f"{url}: {queries} queries with {rows} rows, {more} with more"
    # A full page is 100 rows.
    assert _count(http, "/api/v1/clients/")[1] == 100
