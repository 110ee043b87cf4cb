"""Online requests awaiting approval in every report: held slots, not visits, bookings or money."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from practice import services
from practice.models import Appointment
from tests import factories
from tests.reports.conftest import MARCH, at

S = Appointment.Status
WEEK = {"period": "custom", "first": "2026-03-02", "last": "2026-03-08"}


@pytest.fixture
def requested(therapist, location, book):
    """Dana works Monday 9-17 and has one booked hour and one requested hour, in Room A."""
    factories.WorkingHoursFactory(
        therapist=therapist, location=location, weekday=0, start_time=time(9), end_time=time(17)
    )
    room = factories.RoomFactory(location=location, name="Room A")
    booked = book(therapist, when=at(2, 9), status=S.BOOKED, room=room)
    request = book(therapist, when=at(2, 11), status=S.REQUESTED, room=room)
    return booked, request


def _cells(response, slug):
    table = next(t for t in response.context["tables"] if t.slug == slug)
    return [row["cells"] for row in table.rows]


@pytest.mark.django_db
def test_utilisation_counts_a_request_as_neither_booked_therapist_nor_room_time(
    client_as, requested
):
    response = client_as("owner").get(reverse("reports:utilisation"), WEEK)
    assert _cells(response, "utilisation") == [
        ["Dana Reyes", "2026-03-02", Decimal("1.00"), Decimal("8.00"), 12.5]
    ]
    assert _cells(response, "utilisation-room")[0][3:] == [Decimal("1.00"), Decimal("8.00"), 12.5]


@pytest.mark.django_db
def test_approving_the_request_makes_it_booked_time(client_as, requested, front_desk):
    _, request = requested
    services.appointment_request_approve(appointment=request, by=front_desk, now=at(1))
    response = client_as("owner").get(reverse("reports:utilisation"), WEEK)
    assert _cells(response, "utilisation")[0][2] == Decimal("2.00")


@pytest.fixture
def visits_and_requests(therapist, book):
    """Ten clients seen by Dana in March (enough to show), three others only asked."""
    for _ in range(10):
        book(therapist, status=S.COMPLETED)
    for _ in range(3):
        book(therapist, status=S.REQUESTED)


@pytest.mark.django_db
def test_a_pending_request_is_not_due_so_not_a_no_show_either(client_as, visits_and_requests):
    response = client_as("owner").get(reverse("reports:attendance"), MARCH)
    clients, due, no_shows = _cells(response, "attendance-therapist")[0][1:4]
    assert (clients, due, no_shows) == (10, 10, 0)


@pytest.mark.django_db
def test_a_request_is_no_revenue_until_money_is_received(client_as, requested, pay):
    booked, _request = requested
    pay(booked, "90.00", when=at(2, 10))
    response = client_as("owner").get(reverse("reports:revenue"), MARCH)
    assert response.context["data"]["received"] == Decimal("90.00")
    assert _cells(response, "revenue-therapist")[0][1] == 1


@pytest.mark.django_db
def test_a_request_is_not_a_visit_in_the_clients_report(client_as, visits_and_requests):
    response = client_as("owner").get(reverse("reports:clients"), MARCH)
    everyone = _cells(response, "clients-new")[0]
    assert everyone[:3] == ["All therapists", 10, 10]  # clients seen, all new


@pytest.mark.django_db
def test_a_client_who_requested_a_visit_is_not_on_the_recall_list(client_as, therapist, book):
    waiting = factories.ClientFactory(first_name="Ida")
    asked = factories.ClientFactory(first_name="Joe")
    for hours, person in enumerate((waiting, asked)):
        book(therapist, client=person, when=timezone.now() - timedelta(weeks=8, hours=2 * hours))
    # Joe asked online for a visit next week: approve it, do not call him.
    book(therapist, client=asked, when=timezone.now() + timedelta(days=7), status=S.REQUESTED)
    page = client_as("front_desk").get(reverse("reports:recall"))
    assert [c.first_name for c in page.context["page"].object_list] == ["Ida"]


@pytest.mark.django_db
def test_a_request_waiting_for_approval_is_not_a_rebooking(client_as, therapist, book):
    """Ten March visits, each followed within a fortnight: five booked, five only requested."""
    follow_ups = []
    for i in range(10):
        visit = book(therapist, when=at(2 + i, 9))
        follow_ups.append(
            book(
                therapist,
                client=visit.client,
                when=visit.starts_at + timedelta(days=14),
                status=S.BOOKED if i < 5 else S.REQUESTED,
            )
        )

    def dana():
        page = client_as("owner").get(reverse("reports:clients"), MARCH)
        table = next(t for t in page.context["tables"] if t.slug == "clients-rebooking")
        return next(row["cells"] for row in table.rows if row["cells"][0] == "Dana Reyes")

    assert dana()[1:4] == [10, 10, 5]
    Appointment.objects.filter(pk__in=[a.pk for a in follow_ups[5:]]).update(status=S.BOOKED)
    assert dana()[1:4] == [10, 10, 10]
