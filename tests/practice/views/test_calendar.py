"""Day and week calendars: columns, entries, htmx partial swaps, bookmarkable dates."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.urls import reverse

from practice import selectors
from practice.models import Appointment
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    RoomFactory,
    ServiceFactory,
    TherapistFactory,
    TimeOffFactory,
    WorkingHoursFactory,
)
from tests.practice.scheduling_world import local_at, local_day, works_every_day

pytestmark = pytest.mark.django_db
DAY = reverse("practice:calendar_day")
WEEK = reverse("practice:calendar_week")


@pytest.fixture
def day_with_booking(location, therapist, other_therapist):
    service = ServiceFactory(name="60 min deep tissue", needs_room=True)
    room = RoomFactory(location=location, name="Room 1")
    RoomFactory(location=location, name="Room 2")
    works_every_day(therapist, location)
    works_every_day(other_therapist, location)
    day = local_day(location, 2)
    appointment = AppointmentFactory(
        client=ClientFactory(first_name="Maria", last_name="Gonzalez", has_red_flags=True),
        therapist=therapist,
        service=service,
        location=location,
        room=room,
        starts_at=local_at(location, day, 10),
    )
    return {"day": day, "appointment": appointment}


def test_day_view_has_a_column_per_working_therapist(client_as, day_with_booking):
    body = client_as("front_desk").get(DAY, {"date": day_with_booking["day"]}).content.decode()
    assert body.count('class="cal-col" role="group"') == 2
    assert "Dana Reyes" in body and "Sam Okafor" in body
    assert "Maria Gonzalez" in body
    assert "Review before treating" in body
    detail = reverse(
        "practice:appointment_detail",
        kwargs={"appointment_id": day_with_booking["appointment"].pk},
    )
    assert detail in body
    # 10:00 with the grid starting 08:00 in 15-minute rows: row 9, four rows long.
    assert "cal-row-9 cal-span-4" in body


def test_room_view_has_a_column_per_room(client_as, day_with_booking):
    response = client_as("front_desk").get(DAY, {"date": day_with_booking["day"], "view": "rooms"})
    body = response.content.decode()
    assert 'aria-label="Room 1"' in body and 'aria-label="Room 2"' in body
    assert "Dana Reyes" in body  # entries name the therapist in the room view


def test_htmx_navigation_gets_only_the_calendar_region(client_as, day_with_booking):
    response = client_as("front_desk").get(
        DAY, {"date": day_with_booking["day"]}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="calendar"')
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_a_bad_date_falls_back_to_today(client_as, location):
    assert client_as("front_desk").get(DAY, {"date": "2026-02-31"}).status_code == 200


def test_cancelled_appointments_leave_the_grid_but_stay_listed(client_as, day_with_booking):
    appointment = day_with_booking["appointment"]
    Appointment.objects.filter(pk=appointment.pk).update(status="cancelled", late_cancel=True)
    body = client_as("front_desk").get(DAY, {"date": day_with_booking["day"]}).content.decode()
    assert "cal-entry" not in body
    assert "Cancelled" in body and "Late cancel" in body


def test_therapist_sees_the_whole_calendar_without_booking(client_as, day_with_booking):
    body = client_as("other_therapist").get(DAY, {"date": day_with_booking["day"]}).content
    assert b"Maria Gonzalez" in body
    assert reverse("practice:book").encode() not in body


def test_week_view_shows_a_therapists_week_with_time_off(client_as, day_with_booking, therapist):
    day = day_with_booking["day"]
    TimeOffFactory(
        therapist=therapist,
        starts_at=local_at(therapist_location(therapist), day, 14),
        ends_at=local_at(therapist_location(therapist), day, 16),
        reason="Dentist",
    )
    body = (
        client_as("front_desk")
        .get(WEEK, {"date": day.isoformat(), "therapist": therapist.pk})
        .content.decode()
    )
    assert body.count('class="cal-col" role="group"') == 7
    assert "Maria Gonzalez" in body
    assert "Off: Dentist" in body


def therapist_location(therapist):
    return therapist.working_hours.first().location


def test_week_view_defaults_to_the_therapists_own_week(client_as, day_with_booking):
    body = client_as("therapist").get(WEEK).content.decode()
    assert "Dana Reyes: week of" in body


def test_slot_search_keeps_local_hours_on_both_dst_days(location):
    """Integration: the loader plus the search on America/New_York change days."""
    service = ServiceFactory(needs_room=False)
    therapist = TherapistFactory(services=[service])
    for day in (date(2026, 3, 8), date(2026, 11, 1)):
        WorkingHoursFactory(
            therapist=therapist,
            location=location,
            weekday=day.weekday(),
            start_time=time(9),
            end_time=time(11),
        )
    spring, _ = selectors.available_slots(
        service=service, first_day=date(2026, 3, 7), days=2, now=datetime(2026, 3, 1, tzinfo=UTC)
    )
    fall, _ = selectors.available_slots(
        service=service,
        first_day=date(2026, 10, 31),
        days=2,
        now=datetime(2026, 10, 25, tzinfo=UTC),
    )
    assert [s.starts_at.hour for s in spring if s.local.minute == 0][:1] == [13]  # 09:00 EDT
    assert [s.starts_at.hour for s in fall if s.local.minute == 0][:1] == [14]  # 09:00 EST
    assert {s.local.strftime("%H:%M") for s in spring + fall} <= {
        f"{h:02d}:{m:02d}" for h in (9, 10) for m in (0, 15, 30, 45)
    }
    assert all(s.local.date() in (date(2026, 3, 8), date(2026, 11, 1)) for s in spring + fall)
    assert spring[-1].starts_at + timedelta(hours=1) == datetime(2026, 3, 8, 15, tzinfo=UTC)


def test_second_location_has_its_own_calendar_and_clock(client_as, therapist):
    from tests.factories import LocationFactory

    berlin = LocationFactory(name="Relief Berlin", time_zone="Europe/Berlin")
    LocationFactory(name="Relief Downtown")
    service = ServiceFactory(needs_room=False)
    day = local_day(berlin, 2)
    AppointmentFactory(
        therapist=therapist,
        service=service,
        location=berlin,
        starts_at=local_at(berlin, day, 10),
        client=ClientFactory(first_name="Jonas", last_name="Weber"),
    )
    body = (
        client_as("front_desk")
        .get(DAY, {"date": day.isoformat(), "location": berlin.pk})
        .content.decode()
    )
    assert "Jonas Weber" in body
    # Two zones in use: the time names its zone.
    assert f"<strong>10:00 {local_at(berlin, day, 10).tzname()}</strong>" in body
    assert 'value="' + str(berlin.pk) + '" selected' in body


def test_an_appointment_inside_time_off_is_marked_on_the_calendar(
    client_as, day_with_booking, therapist, location
):
    day = day_with_booking["day"]
    TimeOffFactory(
        therapist=therapist,
        starts_at=local_at(location, day, 9),
        ends_at=local_at(location, day, 12),
        reason="Course",
    )
    body = client_as("front_desk").get(DAY, {"date": day.isoformat()}).content.decode()
    entry = body.split("cal-entry status-booked")[1].split("</a>")[0]
    assert "During time off" in entry and "Maria Gonzalez" in entry


def test_appointments_carry_their_therapists_colour_class_and_a_status_legend(
    client_as, day_with_booking, therapist
):
    from practice.calendar import PALETTE

    therapist.colour = PALETTE[3]
    therapist.save()
    body = (
        client_as("front_desk")
        .get(DAY, {"date": day_with_booking["day"].isoformat()})
        .content.decode()
    )
    assert "cal-entry status-booked tc-3 " in body
    assert 'class="tc-3">Dana Reyes' in body
    assert 'aria-label="Status colours"' in body and "No-show" in body
    assert "data-colour" not in body and "style=" not in body


def test_the_date_box_waits_for_typing_to_stop(client_as, day_with_booking):
    body = client_as("front_desk").get(DAY).content.decode()
    form = body.split('id="calendar-date"')[0].rsplit("<form", 1)[1]
    assert 'hx-trigger="change delay:' in form
