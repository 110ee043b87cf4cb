"""Practice setup by the owner: locations, services, therapists, hours, time off."""

from datetime import time, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from practice import services
from practice.models import Location, Service, WorkingHours
from practice.timezones import practice_time_zone
from tests.factories import TherapistFactory, WorkingHoursFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_cached_time_zone():
    # These tests change the practice time zone; later tests must not inherit it.
    cache.clear()
    yield
    cache.clear()


def test_owner_changes_the_time_zone_and_it_applies_at_once(client_as, location):
    assert str(practice_time_zone()) == "America/New_York"
    response = client_as("owner").post(
        reverse("practice:setup_locations_edit", kwargs={"location_id": location.pk}),
        {"name": location.name, "address": "", "phone": "", "time_zone": "Europe/Berlin"},
    )
    assert response.status_code == 302
    assert str(practice_time_zone()) == "Europe/Berlin"


def test_unknown_time_zone_is_a_form_error(client_as, location):
    response = client_as("owner").post(
        reverse("practice:setup_locations"), {"name": "Uptown", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 200
    assert "not a known time zone" in response.content.decode()
    assert not Location.objects.filter(name="Uptown").exists()


def test_owner_adds_a_service_in_minutes(client_as):
    client_as("owner").post(
        reverse("practice:setup_services"),
        {
            "name": "45 min trigger point",
            "duration_minutes": "45",
            "buffer_minutes": "10",
            "price": "80.00",
            "needs_room": "on",
            "active": "on",
        },
    )
    service = Service.objects.get(name="45 min trigger point")
    assert service.duration.total_seconds() == 45 * 60
    assert service.buffer_after.total_seconds() == 10 * 60


def test_therapists_are_added_in_one_place_and_setup_links_to_it(client_as):
    owner = client_as("owner")
    html = owner.get(reverse("practice:setup_therapists")).content.decode()
    assert 'name="username"' not in html
    assert 'name="password"' not in html
    assert f'href="{reverse("owner:staff")}"' in html
    assert "Add a therapist under Staff" in html
    # A stray POST adds nobody.
    response = owner.post(
        reverse("practice:setup_therapists"),
        {"username": "jo", "first_name": "Jo", "last_name": "Park", "display_name": "Jo"},
    )
    assert response.status_code == 302
    assert not User.objects.filter(username="jo").exists()


def test_setup_index_links_look_like_links(client_as):
    html = client_as("owner").get(reverse("practice:setup")).content.decode()
    assert 'class="list-group setup-links"' in html
    assert '<strong class="setup-link-title">Working hours</strong>' in html


def test_split_shift_is_fine_but_overlapping_rows_are_refused(therapist, location):
    WorkingHoursFactory(
        therapist=therapist, location=location, weekday=0, start_time=time(9), end_time=time(13)
    )
    services.working_hours_save(
        hours=WorkingHours(
            therapist=therapist,
            location=location,
            weekday=0,
            start_time=time(14),
            end_time=time(18),
        )
    )
    with pytest.raises(ValidationError) as caught:
        services.working_hours_save(
            hours=WorkingHours(
                therapist=therapist,
                location=location,
                weekday=0,
                start_time=time(12),
                end_time=time(15),
            )
        )
    assert "Overlaps 09:00–13:00 on Monday" in str(caught.value)


def test_overlapping_hours_form_shows_the_error(client_as, therapist, location):
    WorkingHoursFactory(
        therapist=therapist, location=location, weekday=2, start_time=time(9), end_time=time(13)
    )
    response = client_as("owner").post(
        reverse("practice:setup_hours"),
        {
            "therapist": therapist.pk,
            "location": location.pk,
            "weekday": 2,
            "start_time": "12:00",
            "end_time": "16:00",
        },
    )
    assert response.status_code == 200
    assert "split shifts must not overlap" in response.content.decode()
    assert WorkingHours.objects.count() == 1


def test_front_desk_cannot_open_setup(client_as):
    assert client_as("front_desk").get(reverse("practice:setup")).status_code == 404


def test_setup_appears_in_the_owners_menu_only(client_as):
    assert b'href="/setup/"' in client_as("owner").get(reverse("practice:home")).content
    assert b'href="/setup/"' not in client_as("front_desk").get(reverse("practice:home")).content


def test_owner_removes_a_working_hours_row(client_as, therapist, location):
    hours = WorkingHoursFactory(therapist=therapist, location=location)
    http = client_as("owner")
    # From the grid a shift's block opens its page, which has the Remove button.
    edit_url = reverse("practice:setup_hours_edit", kwargs={"hours_id": hours.pk})
    assert edit_url in http.get(reverse("practice:setup_hours")).content.decode()
    delete_url = reverse("practice:setup_hours_delete", kwargs={"hours_id": hours.pk})
    assert delete_url in http.get(edit_url).content.decode()
    assert http.post(delete_url).status_code == 302
    assert not WorkingHours.objects.exists()


def _time_off_over_a_booking(therapist, location):
    from tests.factories import AppointmentFactory, ClientFactory
    from tests.practice.scheduling_world import local_at, local_day

    day = local_day(location, 4)
    appointment = AppointmentFactory(
        client=ClientFactory(first_name="Maria", last_name="Gonzalez"),
        therapist=therapist,
        location=location,
        starts_at=local_at(location, day, 10),
    )
    post = {
        "therapist": therapist.pk,
        "starts_at": f"{day:%Y-%m-%d}T09:00",
        "ends_at": f"{day:%Y-%m-%d}T13:00",
        "reason": "Course",
    }
    return appointment, post


def test_time_off_over_bookings_lists_them_and_saves_nothing_until_confirmed(
    client_as, therapist, location
):
    from practice.models import TimeOff

    appointment, post = _time_off_over_a_booking(therapist, location)
    http = client_as("owner")
    response = http.post(reverse("practice:setup_time_off"), post)
    html = response.content.decode()
    assert response.status_code == 200
    assert not TimeOff.objects.exists()
    box = html.split('id="covered-bookings"')[1].split("</section>")[0]
    assert "covers 1 booking" in box
    # First name and last initial, the time, and a way to open it to move it.
    assert "Maria G." in box and "Gonzalez" not in box
    assert "10:00–11:00" in box
    assert reverse("practice:appointment_detail", args=[appointment.pk]) in box
    assert 'name="confirm" value="1"' in box
    # The typed values are kept for the second post.
    assert 'value="Course"' in html

    assert f'name="confirmed" value="{appointment.pk}"' in box
    response = http.post(
        reverse("practice:setup_time_off"),
        {**post, "confirm": "1", "confirmed": [str(appointment.pk)]},
    )
    assert response.status_code == 302
    assert TimeOff.objects.get().reason == "Course"
    appointment.refresh_from_db()
    assert appointment.status == "booked"  # kept, and marked on the calendar


def test_a_confirmation_keeps_only_the_bookings_it_was_shown(client_as, therapist, location):
    """A booking made after the list was shown is listed too, and nothing is saved."""
    from practice.models import TimeOff
    from tests.factories import AppointmentFactory, ClientFactory

    appointment, post = _time_off_over_a_booking(therapist, location)
    http = client_as("owner")
    http.post(reverse("practice:setup_time_off"), post)  # lists Maria's booking
    AppointmentFactory(
        client=ClientFactory(first_name="Sam", last_name="Lee"),
        therapist=therapist,
        location=location,
        starts_at=appointment.ends_at + timedelta(minutes=30),
    )
    response = http.post(
        reverse("practice:setup_time_off"),
        {**post, "confirm": "1", "confirmed": [str(appointment.pk)]},
    )
    assert response.status_code == 200
    assert not TimeOff.objects.exists()
    box = response.content.decode().split('id="covered-bookings"')[1].split("</section>")[0]
    assert "covers 2 bookings" in box
    assert "Maria G." in box and "Sam L." in box


def test_editing_time_off_onto_a_booking_asks_too(client_as, therapist, location):
    from tests.factories import TimeOffFactory

    appointment, post = _time_off_over_a_booking(therapist, location)
    later = appointment.ends_at + timedelta(days=30)
    time_off = TimeOffFactory(
        therapist=therapist, starts_at=later, ends_at=later + timedelta(hours=2)
    )
    url = reverse("practice:setup_time_off_edit", kwargs={"time_off_id": time_off.pk})
    response = client_as("owner").post(url, post)
    assert "Maria G." in response.content.decode()
    time_off.refresh_from_db()
    assert time_off.reason == "Conference"  # unchanged


def test_time_off_over_no_booking_saves_at_once(client_as, therapist, location):
    from practice.models import TimeOff

    _, post = _time_off_over_a_booking(therapist, location)
    post["therapist"] = TherapistFactory().pk
    response = client_as("owner").post(reverse("practice:setup_time_off"), post)
    assert response.status_code == 302
    assert TimeOff.objects.count() == 1


def test_owner_sets_a_therapists_slot_mode_and_a_bad_value_changes_nothing(client_as, therapist):
    url = reverse("practice:setup_therapists_edit", kwargs={"therapist_id": therapist.pk})
    owner = client_as("owner")
    assert 'name="slot_mode"' in owner.get(url).content.decode()
    post = {
        "display_name": therapist.display_name,
        "colour": "#2f6f8f",
        "active": "on",
        "bookable_online": "on",
    }
    bad = owner.post(url, {**post, "display_name": "Dana R.", "slot_mode": "sometimes"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()
    # What was typed stays in the form.
    assert 'value="Dana R."' in bad.content.decode()
    therapist.refresh_from_db()
    assert therapist.slot_mode == "grid" and therapist.display_name == "Dana Reyes"
    assert owner.post(url, {**post, "slot_mode": "compact"}).status_code == 302
    therapist.refresh_from_db()
    assert therapist.slot_mode == "compact"
