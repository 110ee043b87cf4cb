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
    therapist.services.add(service)
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


# Booking and moving on the day calendar --------------------------------------

BOOK = reverse("practice:book")


def _move_url(appointment):
    return reverse("practice:appointment_move", kwargs={"appointment_id": appointment.pk})


def test_day_calendar_tells_the_script_where_a_click_books_and_what_moves(
    client_as, day_with_booking, therapist, location
):
    day, appointment = day_with_booking["day"], day_with_booking["appointment"]
    body = client_as("front_desk").get(DAY, {"date": day.isoformat()}).content.decode()
    grid = body.split('<div class="cal-grid"')[1].split(">")[0]
    assert f'data-date="{day:%Y-%m-%d}"' in grid and 'data-first-hour="8"' in grid
    assert f'data-book-url="{BOOK}"' in grid and "data-move-anywhere" in grid
    assert f'data-therapist="{therapist.pk}"' in body
    entry = body.split("cal-entry status-booked")[1].split(">")[0]
    assert f'data-appointment="{appointment.pk}"' in entry and "data-movable" in entry
    assert 'aria-keyshortcuts="M"' in entry
    assert 'id="cal-move-hint"' in body and "Click an empty time" in body


def test_a_therapist_may_drag_only_their_own_appointments_and_books_nothing(
    client_as, day_with_booking
):
    day = day_with_booking["day"]
    sam = client_as("other_therapist").get(DAY, {"date": day.isoformat()}).content.decode()
    assert "data-movable" not in sam and "data-book-url" not in sam
    dana = client_as("therapist").get(DAY, {"date": day.isoformat()}).content.decode()
    assert "data-movable" in dana and "data-book-url" not in dana
    assert "data-move-anywhere" not in dana  # within her own column only


def test_room_columns_neither_book_nor_move(client_as, day_with_booking):
    day = day_with_booking["day"]
    body = client_as("front_desk").get(DAY, {"date": day, "view": "rooms"}).content.decode()
    assert "data-movable" not in body and "data-book-url" not in body


def test_booking_form_opens_on_the_clicked_time(client_as, day_with_booking, therapist, location):
    from tests.practice.scheduling_world import slot_value

    day = day_with_booking["day"]
    wanted = slot_value(therapist, location, local_at(location, day, 14))
    query = {"therapist": therapist.pk, "date": day.isoformat(), "time": "14:00"}
    http = client_as("front_desk")
    # No service yet: the time waits in #slot-wanted and is named.
    body = http.get(BOOK, {**query, "location": location.pk}).content.decode()
    assert f'id="slot-wanted" value="{wanted}"' in body
    assert f"Wanted: <strong>{day:%a %d %b} 14:00</strong>" in body
    assert f'<option value="{therapist.pk}" selected>' in body
    assert f'value="{day:%Y-%m-%d}"' in body
    # With a service the picker checks that slot.
    service = day_with_booking["appointment"].service
    body = http.get(BOOK, {**query, "service": service.pk}).content.decode()
    assert f'value="{wanted}" checked' in body
    # ?slot= as the picker writes it works the same.
    body = http.get(BOOK, {"slot": wanted, "date": day.isoformat(), "service": service.pk})
    assert f'value="{wanted}" checked' in body.content.decode()


def test_dragging_an_appointment_moves_it_and_answers_with_the_calendar(
    client_as, day_with_booking, other_therapist, location
):
    day, appointment = day_with_booking["day"], day_with_booking["appointment"]
    other_therapist.services.add(appointment.service)
    response = client_as("front_desk").post(
        _move_url(appointment),
        {"therapist": other_therapist.pk, "starts_at": f"{day:%Y-%m-%d}T15:30"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="calendar"') and "<html" not in body
    appointment.refresh_from_db()
    assert appointment.therapist == other_therapist
    assert appointment.starts_at == local_at(location, day, 15, 30)
    assert "Moved Maria G. to 15:30 with Sam Okafor" in body
    assert f'data-moved="{appointment.pk}"' in body
    # Drawn in its new place: 15:30 is row 31 of a grid from 08:00.
    assert "cal-row-31 cal-span-4" in body


def test_a_move_onto_a_clash_says_why_and_moves_nothing(
    client_as, day_with_booking, therapist, location
):
    day, appointment = day_with_booking["day"], day_with_booking["appointment"]
    AppointmentFactory(
        therapist=therapist,
        service=appointment.service,
        location=location,
        starts_at=local_at(location, day, 13),
    )
    response = client_as("front_desk").post(
        _move_url(appointment),
        {"therapist": therapist.pk, "starts_at": f"{day:%Y-%m-%d}T13:30"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    alert = body.split('role="alert" id="move-result">')[1].split("</div>")[0]
    assert alert.startswith("Not moved:") and "Dana Reyes is already booked" in alert
    appointment.refresh_from_db()
    assert appointment.starts_at == local_at(location, day, 10)


def test_a_move_outside_working_hours_is_refused_with_the_rule(client_as, day_with_booking):
    day, appointment = day_with_booking["day"], day_with_booking["appointment"]
    response = client_as("front_desk").post(
        _move_url(appointment),
        {"therapist": appointment.therapist_id, "starts_at": f"{day:%Y-%m-%d}T06:00"},
        HTTP_HX_REQUEST="true",
    )
    assert "Not moved:" in response.content.decode()
    appointment.refresh_from_db()
    assert (
        appointment.starts_at.astimezone(local_at(appointment.location, day, 0).tzinfo).hour == 10
    )


def test_the_server_refuses_a_move_the_therapist_may_not_make(
    client_as, day_with_booking, other_therapist
):
    day, appointment = day_with_booking["day"], day_with_booking["appointment"]
    other_therapist.services.add(appointment.service)
    data = {"therapist": other_therapist.pk, "starts_at": f"{day:%Y-%m-%d}T15:00"}
    # Sam may read Dana's appointment, not move it.
    assert client_as("other_therapist").post(_move_url(appointment), data).status_code == 404
    # Dana moves her own, but not to Sam: that is a booking for someone else.
    body = client_as("therapist").post(_move_url(appointment), data, HTTP_HX_REQUEST="true")
    assert "Only the front desk can move an appointment to another therapist" in (
        body.content.decode()
    )
    appointment.refresh_from_db()
    assert appointment.therapist_id != other_therapist.pk
    # Within her own column she may.
    data["therapist"] = appointment.therapist_id
    client_as("therapist").post(_move_url(appointment), data, HTTP_HX_REQUEST="true")
    appointment.refresh_from_db()
    assert (
        appointment.starts_at.astimezone(local_at(appointment.location, day, 0).tzinfo).hour == 15
    )


def test_move_is_post_only(client_as, day_with_booking):
    response = client_as("front_desk").get(_move_url(day_with_booking["appointment"]))
    assert response.status_code == 405
