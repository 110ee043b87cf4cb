"""The appointment page and its actions, per role."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from practice.models import Appointment
from tests.factories import AppointmentFactory, ClientFactory, LocationFactory, ServiceFactory
from tests.practice.scheduling_world import (
    local_at,
    local_day,
    next_clock_change,
    works_every_day,
)

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


# Two locations in different zones: the main one (`location`) in New York, and
# London. Every time of a London appointment is read on London's clock.


@pytest.fixture
def london(location):
    return LocationFactory(name="Relief Soho", time_zone="Europe/London")


@pytest.fixture
def london_appointment(london, therapist):
    service = ServiceFactory(needs_room=False)
    therapist.services.add(service)
    works_every_day(therapist, london, start=time(0), end=time(23, 59, 59))
    return AppointmentFactory(
        therapist=therapist,
        service=service,
        location=london,
        starts_at=local_at(london, local_day(london, 3), 10),
    )


def _reschedule(http, appointment, typed):
    return http.post(
        url("appointment_reschedule", appointment),
        {"starts_at": typed, "therapist": appointment.therapist_id},
        follow=True,
    )


def test_front_desk_sees_london_time_on_a_london_appointment(client_as, london_appointment):
    start = london_appointment.starts_at
    zone = start.tzname()
    body = client_as("front_desk").get(url("appointment_detail", london_appointment)).content
    body = body.decode()
    assert f"10:00–11:00 {zone}" in body
    new_york = start.astimezone(ZoneInfo("America/New_York"))
    assert f"{new_york:%H:%M}–" not in body


def test_reschedule_form_offers_the_start_on_the_locations_clock(client_as, london_appointment):
    body = client_as("front_desk").get(url("appointment_detail", london_appointment)).content
    assert f'value="{london_appointment.starts_at:%Y-%m-%d}T10:00"'.encode() in body
    assert b"Local time at Relief Soho (Europe/London)" in body


def test_typed_time_is_read_on_the_appointments_location_clock(client_as, london_appointment):
    day = local_day(london_appointment.location, 4)
    response = _reschedule(client_as("front_desk"), london_appointment, f"{day:%Y-%m-%d}T11:00")
    assert response.status_code == 200
    london_appointment.refresh_from_db()
    assert london_appointment.starts_at == local_at(london_appointment.location, day, 11)


def test_a_time_the_clocks_skip_is_a_form_error(client_as, london_appointment):
    day = next_clock_change(london_appointment.location, back=False)
    response = _reschedule(client_as("front_desk"), london_appointment, f"{day:%Y-%m-%d}T01:30")
    body = response.content.decode()
    assert "01:30 does not exist" in body and "the clocks go forward" in body
    before = london_appointment.starts_at
    london_appointment.refresh_from_db()
    assert london_appointment.starts_at == before


def test_a_time_the_clocks_show_twice_is_its_first_occurrence_and_the_page_says_so(
    client_as, london_appointment, settings
):
    settings.RELIEF_BOOKING_HORIZON_DAYS = 400  # the next fall-back night may be months away
    day = next_clock_change(london_appointment.location, back=True)
    response = _reschedule(client_as("front_desk"), london_appointment, f"{day:%Y-%m-%d}T01:30")
    london_appointment.refresh_from_db()
    # 01:30 BST, the first time the clock reads 01:30 that night, is 00:30 UTC.
    assert london_appointment.starts_at == datetime.combine(day, time(0, 30), tzinfo=UTC)
    body = response.content.decode()
    assert "01:30 happens twice" in body
    assert "the first, 01:30 BST" in body and "01:30 GMT, an hour later" in body


def test_a_clash_is_described_on_the_clashing_appointments_clock(client_as, london_appointment):
    london = london_appointment.location
    day = local_day(london, 4)
    AppointmentFactory(
        therapist=london_appointment.therapist,
        service=london_appointment.service,
        location=london,
        starts_at=local_at(london, day, 14),
    )
    response = _reschedule(client_as("front_desk"), london_appointment, f"{day:%Y-%m-%d}T14:30")
    assert "is already booked" in response.content.decode()
    assert f"{day:%a %d %b} 14:00–15:15" in response.content.decode()


def _check_in_button(response):
    return '<button class="btn btn-success" type="submit">Check in</button>' in (
        response.content.decode()
    )


def test_check_in_is_offered_only_on_the_day_on_the_locations_clock(
    client_as, appointment, location
):
    http = client_as("front_desk")
    nine_days = AppointmentFactory(
        therapist=appointment.therapist,
        service=appointment.service,
        location=location,
        starts_at=local_at(location, local_day(location, 9), 10),
    )
    assert not _check_in_button(http.get(url("appointment_detail", nine_days)))
    tz = ZoneInfo(location.time_zone)
    later_today = timezone.now().astimezone(tz) + timedelta(minutes=5)
    if later_today.date() != timezone.now().astimezone(tz).date():
        later_today -= timedelta(minutes=10)
    today = AppointmentFactory(
        therapist=appointment.therapist,
        service=appointment.service,
        location=location,
        starts_at=later_today,
    )
    assert _check_in_button(http.get(url("appointment_detail", today)))


def test_cancelling_in_a_series_offers_this_one_or_this_and_the_following(
    client_as, appointment, location
):
    import uuid

    series_id = uuid.uuid4()
    dates = [
        AppointmentFactory(
            client=appointment.client,
            therapist=appointment.therapist,
            service=appointment.service,
            location=location,
            starts_at=local_at(location, local_day(location, 3 + 7 * n), 10),
            series_id=series_id,
        )
        for n in range(1, 5)
    ]
    http = client_as("front_desk")
    page = http.get(url("appointment_detail", dates[1])).content.decode()
    assert "This one only" in page and "This and the following ones" in page

    response = http.post(
        url("appointment_cancel", dates[1]),
        {"reason": "Moving away", "scope": "following"},
        follow=True,
    )
    assert "3 appointments of the series cancelled" in response.content.decode()
    statuses = [Appointment.objects.get(pk=a.pk).status for a in dates]
    assert statuses == ["booked", "cancelled", "cancelled", "cancelled"]

    http.post(url("appointment_cancel", dates[0]), {"reason": "Ill", "scope": "this"})
    assert Appointment.objects.get(pk=dates[0].pk).status == "cancelled"


def test_reschedule_offers_the_booking_slot_picker_for_the_same_service(
    client_as, appointment, location
):
    from tests.practice.scheduling_world import slot_value

    http = client_as("front_desk")
    page = http.get(url("appointment_detail", appointment)).content.decode()
    day = appointment.starts_at.astimezone(ZoneInfo(location.time_zone)).date()
    # Its own time counts as free: a quarter of an hour later is offered.
    later = local_at(location, day, 10, 15)
    assert slot_value(appointment.therapist, location, later) in page
    assert "Free times for" in page and "Type a time instead" in page

    response = http.post(
        url("appointment_reschedule", appointment),
        {"slot": slot_value(appointment.therapist, location, later)},
        follow=True,
    )
    assert "Appointment moved" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.starts_at == later


def test_picked_slot_onto_a_clash_names_it(client_as, appointment, location):
    from tests.practice.scheduling_world import slot_value

    day = appointment.starts_at.astimezone(ZoneInfo(location.time_zone)).date()
    AppointmentFactory(
        therapist=appointment.therapist,
        service=appointment.service,
        location=location,
        starts_at=local_at(location, day, 14),
    )
    response = client_as("front_desk").post(
        url("appointment_reschedule", appointment),
        {"slot": slot_value(appointment.therapist, location, local_at(location, day, 14))},
    )
    assert "is already booked" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.starts_at == local_at(location, day, 10)


def test_move_picker_region_refreshes_for_any_therapist(client_as, appointment, location):
    response = client_as("front_desk").get(
        reverse("practice:appointment_reschedule_slots", args=[appointment.pk]),
        {"picker_therapist": "", "picker_date": local_day(location, 4).isoformat()},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'class="slot-therapist small"' in body


def test_appointment_page_with_the_move_picker_stays_within_budget(
    client_as, appointment, django_assert_max_num_queries
):
    http = client_as("front_desk")
    http.get(url("appointment_detail", appointment))
    with django_assert_max_num_queries(15):
        assert http.get(url("appointment_detail", appointment)).status_code == 200


def _past_completed(appointment):
    """A session of the same client and therapist that took place this morning."""
    return AppointmentFactory(
        client=appointment.client,
        therapist=appointment.therapist,
        service=appointment.service,
        location=appointment.location,
        starts_at=timezone.now().replace(microsecond=0) - timedelta(hours=3),
        status=Appointment.Status.COMPLETED,
    )


def test_a_completed_appointment_offers_what_is_true_of_its_note(client_as, appointment):
    from sessions.models import SessionNote

    appointment = _past_completed(appointment)
    http = client_as("therapist")
    page = http.get(url("appointment_detail", appointment)).content.decode()
    assert ">Write note</button>" in page
    note = SessionNote.objects.create(
        appointment=appointment,
        client=appointment.client,
        therapist=appointment.therapist,
    )
    page = http.get(url("appointment_detail", appointment)).content.decode()
    assert "Write note" not in page and ">Continue note</a>" in page
    SessionNote.objects.filter(pk=note.pk).update(
        status="signed",
        signed_at=timezone.now(),
        signed_by=appointment.therapist.user,
        content_hash="0" * 64,
    )
    page = http.get(url("appointment_detail", appointment)).content.decode()
    assert "Write note" not in page and ">Open note</a>" in page


def test_pending_reminders_of_a_completed_appointment_say_they_will_not_be_sent(
    client_as, appointment
):
    from practice.models import Reminder

    appointment = _past_completed(appointment)
    Reminder.objects.create(
        appointment=appointment,
        channel=Reminder.Channel.EMAIL,
        kind=Reminder.Kind.BEFORE_2H,
        due_at=timezone.now() + timedelta(hours=1),
    )
    page = client_as("front_desk").get(url("appointment_detail", appointment)).content.decode()
    assert "Will not be sent" in page and "the appointment is over" in page
    assert ">Pending</span>" not in page and "due " not in page
