"""The appointment page and its actions, per role."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from practice.models import Appointment
from tests.factories import AppointmentFactory, ClientFactory, ServiceFactory
from tests.practice.scheduling_world import local_at, local_day, works_every_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def appointment(location, therapist):
    service = ServiceFactory(needs_room=False)
    therapist.services.add(service)
    works_every_day(therapist, location)
    return AppointmentFactory(
        client=ClientFactory(
            first_name="Maria", last_name="Gonzalez", phone="+12025550143", has_red_flags=True
        ),
        therapist=therapist,
        service=service,
        location=location,
        starts_at=local_at(location, local_day(location, 3), 10),
    )


def url(name, appointment):
    return reverse(f"practice:{name}", kwargs={"appointment_id": appointment.pk})


def test_front_desk_cancels_with_a_reason(client_as, appointment):
    http = client_as("front_desk")
    response = http.post(url("appointment_cancel", appointment), {"reason": "Flu"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancel_reason == "Flu"
    page = http.get(response["Location"]).content.decode()
    assert "Appointment cancelled." in page and "“Flu”" in page


def test_cancel_without_a_reason_shows_the_error_and_changes_nothing(client_as, appointment):
    response = client_as("front_desk").post(url("appointment_cancel", appointment), {"reason": ""})
    assert response.status_code == 200
    assert b"This field is required." in response.content
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_late_cancel_is_announced_and_flagged(client_as, appointment):
    appointment.starts_at = timezone.now() + timedelta(hours=3)
    appointment.ends_at = appointment.starts_at + timedelta(hours=1)
    appointment.occupied_until = appointment.ends_at
    appointment.save()
    http = client_as("front_desk")
    assert b"late cancel" in http.get(url("appointment_detail", appointment)).content
    http.post(url("appointment_cancel", appointment), {"reason": "Car broke down"})
    appointment.refresh_from_db()
    assert appointment.late_cancel is True


def test_other_therapist_cannot_cancel_someone_elses_appointment(client_as, appointment):
    response = client_as("other_therapist").post(
        url("appointment_cancel", appointment), {"reason": "x"}
    )
    assert response.status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_other_therapist_reads_the_page_without_contact_details(client_as, appointment):
    body = client_as("other_therapist").get(url("appointment_detail", appointment)).content
    assert b"Maria Gonzalez" in body
    assert b"Review before treating" in body
    assert b"+12025550143" not in body
    assert b"Cancel appointment" not in body


def test_therapist_checks_in_and_completes_their_own(client_as, appointment):
    http = client_as("therapist")
    http.post(url("appointment_check_in", appointment))
    http.post(url("appointment_complete", appointment))
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED


def test_impossible_step_is_a_message_not_an_error_page(client_as, appointment):
    http = client_as("front_desk")
    response = http.post(url("appointment_complete", appointment), follow=True)
    assert response.status_code == 200
    assert b"cannot be marked completed" in response.content


def test_no_show_before_the_start_is_refused(client_as, appointment):
    response = client_as("front_desk").post(url("appointment_no_show", appointment), follow=True)
    assert b"once the appointment has started" in response.content
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_actions_answer_get_with_method_not_allowed(client_as, appointment):
    assert client_as("front_desk").get(url("appointment_cancel", appointment)).status_code == 405


def test_reschedule_moves_the_appointment(client_as, appointment, location):
    new_start = appointment.starts_at + timedelta(days=1, hours=2)
    response = client_as("front_desk").post(
        url("appointment_reschedule", appointment),
        {
            "starts_at": timezone.localtime(new_start).strftime("%Y-%m-%dT%H:%M"),
            "therapist": appointment.therapist_id,
        },
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.starts_at == new_start


def test_reschedule_onto_a_clash_names_it_and_keeps_the_input(client_as, appointment):
    other = AppointmentFactory(
        therapist=appointment.therapist,
        service=appointment.service,
        location=appointment.location,
        starts_at=appointment.starts_at + timedelta(hours=3),
    )
    typed = timezone.localtime(other.starts_at + timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M")
    response = client_as("front_desk").post(
        url("appointment_reschedule", appointment),
        {"starts_at": typed, "therapist": appointment.therapist_id},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "is already booked" in body
    assert f'value="{typed}"' in body


def test_reschedule_with_unknown_therapist_is_a_form_error(client_as, appointment):
    response = client_as("front_desk").post(
        url("appointment_reschedule", appointment),
        {"starts_at": "2030-01-01T10:00", "therapist": "999999"},
    )
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content


def test_write_note_link_only_for_the_appointments_own_therapist(client_as, appointment):
    own = client_as("therapist").get(url("appointment_detail", appointment)).content
    assert b"Write note" in own
    other = client_as("other_therapist").get(url("appointment_detail", appointment)).content
    assert b"Write note" not in other


def test_today_list_links_to_appointment_pages(client_as, location, therapist):
    service = ServiceFactory(needs_room=False)
    today = AppointmentFactory(
        therapist=therapist,
        service=service,
        location=location,
        starts_at=local_at(location, local_day(location, 0), 23, 0),
    )
    body = client_as("therapist").get(reverse("practice:home")).content.decode()
    assert url("appointment_detail", today) in body
