"""Booking, moving and cancelling through the API: the pages' services and rules,
the same clash errors (409), JSON field errors, reminders and audit for free."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from practice.models import Appointment, Reminder
from tests import factories

pytestmark = pytest.mark.django_db

APPOINTMENTS = "/api/v1/appointments/"


def _book(http, practice, **overrides):
    body = {
        "client": str(practice.client.pk),
        "therapist": practice.dana.pk,
        "service": practice.service.pk,
        "starts_at": practice.at(10).isoformat(),
        **overrides,
    }
    return http.post(APPOINTMENTS, body, content_type="application/json")


def _move(http, appointment, **body):
    url = reverse("api:v1:appointment-move", args=[appointment.pk])
    return http.post(url, body, content_type="application/json")


def _cancel(http, appointment, **body):
    url = reverse("api:v1:appointment-cancel", args=[appointment.pk])
    return http.post(url, body, content_type="application/json")


def test_front_desk_books_moves_and_cancels_with_a_token(bearer, practice, settings, front_desk):
    settings.RELIEF_API_TOKEN_ROLES = ["Owner", "Therapist", "Front desk"]
    http = bearer(front_desk)
    booked = _book(http, practice)
    assert booked.status_code == 201, booked.content
    body = booked.json()
    appointment = Appointment.objects.get(pk=body["id"])
    assert booked["Location"].endswith(f"/api/v1/appointments/{appointment.pk}/")
    assert appointment.status == "booked" and appointment.booked_by == front_desk
    assert appointment.source == "front_desk"
    assert body["therapist_name"] == practice.dana.display_name
    # Reminders come from the service, in the booking's transaction.
    assert Reminder.objects.filter(appointment=appointment, status="pending").exists()

    moved = _move(http, appointment, starts_at=practice.at(14).isoformat())
    assert moved.status_code == 200, moved.content
    appointment.refresh_from_db()
    assert appointment.starts_at == practice.at(14)
    before_48h = appointment.reminders.get(channel="email", kind="before_48h")
    assert before_48h.due_at == practice.at(14) - timedelta(hours=48)

    cancelled = _cancel(http, appointment, reason="Client called")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["cancelled"] == [str(appointment.pk)]
    appointment.refresh_from_db()
    assert appointment.status == "cancelled" and appointment.cancel_reason == "Client called"
    assert appointment.cancelled_by == front_desk
    assert not appointment.reminders.filter(status="pending", kind="before_48h").exists()


def test_audit_entries_name_the_tokens_user(bearer, practice, owner):
    booked = _book(bearer(owner), practice)
    entry = LogEntry.objects.get_for_object(Appointment.objects.get(pk=booked.json()["id"]))
    assert entry.get().actor == owner


def test_a_clash_is_409_with_the_conflict(bearer, practice, owner):
    http = bearer(owner)
    first = _book(http, practice).json()
    other = factories.ClientFactory()
    clash = _book(http, practice, client=str(other.pk), starts_at=practice.at(10, 30).isoformat())
    assert clash.status_code == 409
    error = clash.json()["error"]
    assert error["code"] == "clash" and error["resource"] == "therapist"
    assert error["conflict"]["appointment"] == first["id"]
    assert practice.dana.display_name in error["message"]
    assert Appointment.objects.count() == 1


def test_moving_onto_another_booking_is_a_clash(bearer, practice, owner):
    http = bearer(owner)
    _book(http, practice)
    later = Appointment.objects.get(
        pk=_book(http, practice, starts_at=practice.at(15).isoformat()).json()["id"]
    )
    response = _move(http, later, starts_at=practice.at(10).isoformat())
    assert response.status_code == 409 and response.json()["error"]["code"] == "clash"
    later.refresh_from_db()
    assert later.starts_at == practice.at(15)


def test_validation_errors_name_their_fields(bearer, practice, owner):
    http = bearer(owner)
    response = http.post(APPOINTMENTS, {"therapist": "x"}, content_type="application/json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"client", "service", "starts_at", "therapist"} <= set(fields)
    assert fields["therapist"][0]["code"] == "incorrect_type"


def test_a_time_without_its_offset_is_refused(bearer, practice, owner):
    response = _book(bearer(owner), practice, starts_at="2030-01-07T10:00:00")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["starts_at"][0]["code"] == "naive"


def test_the_services_rules_come_back_as_errors(bearer, practice, owner):
    # Sam does not offer this service: the booking service says so, not a 500.
    practice.sam.services.clear()
    response = _book(bearer(owner), practice, therapist=practice.sam.pk)
    assert response.status_code == 400
    assert response.json()["error"]["message"]
    assert not Appointment.objects.exists()


def test_a_therapist_may_not_book_unless_the_practice_allows(bearer, practice, settings):
    settings.RELIEF_THERAPISTS_MANAGE_ALL = False
    response = _book(bearer(practice.dana.user), practice)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_allowed"


def test_a_therapist_moves_and_cancels_own_but_not_others(bearer, practice, owner):
    own = factories.AppointmentFactory(
        client=practice.client,
        therapist=practice.dana,
        service=practice.service,
        location=practice.location,
        starts_at=practice.at(9),
    )
    sams = factories.AppointmentFactory(
        therapist=practice.sam,
        service=practice.service,
        location=practice.location,
        starts_at=practice.at(9),
    )
    dana = bearer(practice.dana.user)
    assert _cancel(dana, sams).status_code == 403
    assert _move(dana, sams, starts_at=practice.at(11).isoformat()).status_code == 403
    # Moving their own to Sam would be booking for someone else.
    to_sam = _move(dana, own, starts_at=practice.at(11).isoformat(), therapist=practice.sam.pk)
    assert to_sam.status_code == 403
    assert _move(dana, own, starts_at=practice.at(11).isoformat()).status_code == 200
    assert _cancel(dana, own).status_code == 200
    sams.refresh_from_db()
    assert sams.status == "booked"


def test_a_client_out_of_scope_does_not_exist(bearer, practice, settings):
    settings.RELIEF_THERAPISTS_MANAGE_ALL = True
    stranger = factories.ClientFactory()
    response = _book(bearer(practice.sam.user), practice, client=str(stranger.pk))
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["client"][0]["code"] == "does_not_exist"


def test_unknown_appointment_is_404_json(bearer, owner):
    response = bearer(owner).post(
        "/api/v1/appointments/00000000-0000-0000-0000-000000000000/cancel/", {}
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_list_filters_and_pages_with_a_cursor(bearer, practice, owner):
    for hour in range(8, 18, 2):
        factories.AppointmentFactory(
            client=practice.client,
            therapist=practice.dana,
            service=practice.service,
            location=practice.location,
            starts_at=practice.at(hour, days=1),
        )
    http = bearer(owner)
    first = http.get(APPOINTMENTS, {"page_size": 2, "therapist": practice.dana.pk}).json()
    assert [a["starts_at"][11:16] for a in first["results"]] == ["08:00", "10:00"]
    second = http.get(first["next"]).json()
    assert [a["starts_at"][11:16] for a in second["results"]] == ["12:00", "14:00"]
    after = http.get(APPOINTMENTS, {"starts_after": practice.at(13, days=1).isoformat()})
    assert len(after.json()["results"]) == 2
    bad = http.get(APPOINTMENTS, {"status": "nope", "starts_after": "soon"})
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"status", "starts_after"}
