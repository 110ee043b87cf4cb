"""Every page `make bench` measures keeps a constant, budgeted number of SQL queries.

The pages come from bench/pages.py, so a page added there is checked here too:
the same count with 2 and with 20 appointments on the day, and within its budget.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.pages import (
    PAGES,
    BenchData,
    bench_api_token,
    bench_invoice,
    free_slots,
    request_headers,
)
from billing import services as billing
from sessions.services import note_open_for_appointment
from tests import factories
from tests.practice.scheduling_world import works_every_day

pytestmark = pytest.mark.django_db

BUDGETED = [page for page in PAGES if page.max_queries is not None]


@pytest.fixture
def world(location, therapist, other_therapist, owner, front_desk):
    tz = ZoneInfo(location.time_zone)
    service = factories.ServiceFactory(needs_room=False)
    therapist.services.add(service)
    other_therapist.services.add(service)
    works_every_day(therapist, location)
    works_every_day(other_therapist, location)
    client = factories.ClientFactory(primary_therapist=therapist)
    day = timezone.localtime(timezone.now(), tz).date()
    charted = factories.AppointmentFactory(
        client=client,
        therapist=therapist,
        service=service,
        location=location,
        starts_at=timezone.now() - timedelta(days=1),
    )
    draft = note_open_for_appointment(appointment=charted, user=therapist.user)
    made = []

    def book(count):
        """Add `count` appointments today, alternating Dana and Sam, each with a room."""
        for _ in range(count):
            n = len(made)
            starts_at = datetime.combine(day, time(7), tzinfo=tz) + timedelta(minutes=75 * (n // 2))
            made.append(
                factories.AppointmentFactory(
                    client=factories.ClientFactory(),
                    therapist=(therapist, other_therapist)[n % 2],
                    service=service,
                    location=location,
                    room=factories.RoomFactory(location=location),
                    starts_at=starts_at,
                )
            )
            # Each visit is checked out and part paid: the day sheet grows too.
            invoice = billing.invoice_issue(
                invoice=billing.invoice_open_for_appointment(appointment=made[-1], by=None),
                by=None,
            )
            billing.payment_record(invoice=invoice, method="cash", amount="1.00", by=None)

    users = {"owner": owner, "front_desk": front_desk, "therapist": therapist.user}
    location.online_booking = True
    location.save()
    data = BenchData(
        today=day,
        therapist_id=therapist.pk,
        client_id=str(client.pk),
        service_id=service.pk,
        slots=free_slots(service=service, first_day=day + timedelta(days=2), days=3, limit=8),
        writer_client_id=str(client.pk),
        draft_note_id=str(draft.pk),
        invoice_id=str(bench_invoice(client, by=front_desk, payments=2).pk),
        paying_invoice_id=str(bench_invoice(client, by=front_desk).pk),
        online_location_id=location.pk,
        online_service_id=service.pk,
        online_slots=free_slots(
            service=service, first_day=day + timedelta(days=6), days=3, limit=8
        ),
    )
    return book, users, data


def _queries(django_client, page, users, data, first):
    """Queries of a warm request; POSTs `first` and `first + 1` are distinct bookings etc."""
    django_client.logout()
    headers = page.headers
    if page.token:  # no session: the persona's API token
        headers = request_headers(page, {page.as_user: bench_api_token(users[page.as_user])})
    elif page.as_user in users:  # "visitor": an anonymous browser
        django_client.force_login(users[page.as_user])
    send = django_client.post if page.method == "POST" else django_client.get
    url = page.url(data)
    send(url, page.body(data, first) if page.body else None, headers=headers)
    body = page.body(data, first + 1) if page.body else None
    with CaptureQueriesContext(connection) as captured:
        response = send(url, body, headers=headers)
    assert response.status_code == page.expect_status, response.content.decode()[:2000]
    return len(captured.captured_queries)


@pytest.mark.parametrize("page", BUDGETED, ids=[page.name for page in BUDGETED])
def test_page_queries_are_constant_and_within_budget(client, world, page):
    book, users, data = world
    book(2)
    few = _queries(client, page, users, data, 0)
    book(18)
    many = _queries(client, page, users, data, 2)
    assert few == many
    assert many <= page.max_queries + _clash_check(page)


def _clash_check(page) -> int:
    """The budgets are PostgreSQL's, as deployed: SQLite has no exclusion
    constraints, so there the booking service looks for a clash itself."""
    books = page.method == "POST" and "booking" in page.name
    return int(books and connection.vendor != "postgresql")
