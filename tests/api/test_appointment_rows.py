"""The appointments list is written from plain rows (api.rest.rows.appointments);
its JSON is byte for byte what AppointmentSerializer writes from the model
instances, on every page and with the filters, while a record and a booking's
answer stay the serializer's."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from api.rest.serializers import AppointmentSerializer
from practice.models import Appointment
from practice.timezones import practice_time_zone
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def appointments(practice, owner):
    """Appointments that differ in every column the list shows: a room or none,
    a series or none, cancelled late with a reason and a time on a whole
    second, a client with a preferred name and text JSON escapes, times on
    both sides of a DST change, and two at the same start (the cursor's tie)."""
    room = factories.RoomFactory(location=practice.location)
    odd = factories.ClientFactory(first_name='Zoë "Z"', preferred_name="Zo", last_name="Ng\u2028")
    same_name = factories.ClientFactory(first_name="Al", preferred_name="Al", last_name="Bo")
    summer = datetime(2026, 7, 1, 14, 0, tzinfo=UTC)
    made = []
    for n, (client, starts_at) in enumerate(
        [
            (practice.client, practice.at(10)),
            (odd, practice.at(10)),
            (same_name, summer),
            (practice.client, summer + timedelta(minutes=90, microseconds=7)),
            (odd, practice.at(12, days=1)),
        ]
    ):
        made.append(
            factories.AppointmentFactory(
                client=client, therapist=practice.dana if n % 2 else practice.sam,
                service=practice.service, location=practice.location,
                room=room if n in (1, 3) else None, starts_at=starts_at,
                series_id=uuid.uuid4() if n == 4 else None,
            )
        )  # fmt: skip
    Appointment.objects.filter(pk=made[2].pk).update(
        status="cancelled", cancel_reason='Flu, "sorry" \\ back', late_cancel=True,
        cancelled_at=summer - timedelta(hours=3),
    )  # fmt: skip
    return made


def _reference(pks):
    instances = {a.pk: a for a in Appointment.objects.filter(pk__in=pks)}
    with timezone.override(practice_time_zone()):
        return AppointmentSerializer([instances[pk] for pk in pks], many=True).data


def _pages(http, url):
    pages = []
    while url:
        response = http.get(url)
        assert response.status_code == 200
        pages.append(response)
        url = response.json()["next"]
    return pages


@pytest.mark.parametrize("query", ["", "?status=cancelled", "?therapist={dana}", "?page_size=2"])
def test_every_page_is_byte_for_byte_the_serializers(bearer, owner, practice, appointments, query):
    http = bearer(owner)
    pages = _pages(http, "/api/v1/appointments/" + query.format(dana=practice.dana.pk))
    shown = []
    for response in pages:
        body = response.json()
        ids = [uuid.UUID(row["id"]) for row in body["results"]]
        expected = {"next": body["next"], "previous": body["previous"], "results": _reference(ids)}
        assert response.content == JSONRenderer().render(expected)
        shown += ids
    wanted = Appointment.objects.all()
    if "status" in query:
        wanted = wanted.filter(status="cancelled")
    if "therapist" in query:
        wanted = wanted.filter(therapist=practice.dana)
    assert shown == list(wanted.order_by("starts_at", "id").values_list("pk", flat=True))
    assert len(pages) == (3 if "page_size" in query else 1)


def test_the_rows_carry_what_was_written(bearer, owner, appointments):
    rows = {r["id"]: r for r in bearer(owner).get("/api/v1/appointments/").json()["results"]}
    late = rows[str(appointments[2].pk)]
    assert late["status"] == "cancelled" and late["late_cancel"] is True
    assert late["cancelled_at"] and late["client_name"] == "Al Bo"
    assert rows[str(appointments[1].pk)]["client_name"] == 'Zoë "Z" “Zo” Ng\u2028'
    assert rows[str(appointments[4].pk)]["series_id"] == str(appointments[4].series_id)
    assert rows[str(appointments[1].pk)]["room"] == appointments[1].room_id is not None


def test_one_record_is_still_the_serializers(bearer, owner, appointments):
    for appointment in appointments:
        one = bearer(owner).get(f"/api/v1/appointments/{appointment.pk}/")
        assert one.content == JSONRenderer().render(_reference([appointment.pk])[0])
