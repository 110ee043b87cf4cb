"""The front-desk booking page: happy paths, clashes, tampering, recurring series."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from clients.models import Client
from practice.models import Appointment
from tests.factories import AppointmentFactory, ClientFactory, ServiceFactory, TherapistFactory
from tests.practice.scheduling_world import (
    local_at,
    local_day,
    next_clock_change,
    slot_value,
    works_every_day,
)

pytestmark = pytest.mark.django_db
BOOK = reverse("practice:book")


@pytest.fixture
def desk(location, therapist):
    service = ServiceFactory(name="60 min deep tissue", needs_room=False)
    therapist.services.add(service)
    works_every_day(therapist, location)
    day = local_day(location)
    return {
        "service": service,
        "therapist": therapist,
        "location": location,
        "day": day,
        "client": ClientFactory(first_name="Maria", last_name="Gonzalez"),
        "start": local_at(location, day, 10),
    }


def _post(http, desk, **overrides):
    data = {
        "client": str(desk["client"].pk),
        "service": desk["service"].pk,
        "therapist": "",
        "date": desk["day"].isoformat(),
        "slot": slot_value(desk["therapist"], desk["location"], desk["start"]),
        "repeat_weeks": "0",
        "occurrences": "6",
    }
    data.update(overrides)
    return http.post(BOOK, data)


def test_front_desk_books_a_slot_and_lands_on_that_day(client_as, desk):
    response = _post(client_as("front_desk"), desk)
    appointment = Appointment.objects.get()
    assert appointment.client == desk["client"]
    assert appointment.starts_at == desk["start"]
    assert response.status_code == 302
    assert response["Location"].endswith(
        f"?date={desk['day']:%Y-%m-%d}&location={desk['location'].pk}"
    )


def test_front_desk_books_a_new_client_typed_inline(client_as, desk):
    _post(
        client_as("front_desk"),
        desk,
        client="",
        new_first_name="Lena",
        new_last_name="Novak",
        new_phone="+12025550166",
    )
    appointment = Appointment.objects.get()
    assert appointment.client.full_name == "Lena Novak"


def test_clash_is_a_form_error_naming_the_conflict_and_keeps_the_input(client_as, desk):
    AppointmentFactory(
        therapist=desk["therapist"],
        service=desk["service"],
        location=desk["location"],
        starts_at=desk["start"] - timedelta(minutes=30),
    )
    response = _post(
        client_as("front_desk"),
        desk,
        client="",
        new_first_name="Lena",
        new_last_name="Novak",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "is already booked" in body and "09:30" in body
    # Nothing typed is lost, and no half-made client is left behind.
    assert 'value="Lena"' in body and 'value="Novak"' in body
    assert f'value="{desk["service"].pk}" selected' in body
    assert "Your pick" in body
    assert not Client.objects.filter(first_name="Lena").exists()
    assert Appointment.objects.count() == 1


def test_tampered_slot_with_unknown_therapist_is_a_form_error(client_as, desk):
    tampered = slot_value(desk["therapist"], desk["location"], desk["start"]).replace(
        f"{desk['therapist'].pk}|", "999999|", 1
    )
    response = _post(client_as("front_desk"), desk, slot=tampered)
    assert response.status_code == 200
    assert "Pick a time from the list." in response.content.decode()
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("slot", ["garbage", "1|2|not-a-date", "|||"])
def test_malformed_slot_is_a_form_error(client_as, desk, slot):
    response = _post(client_as("front_desk"), desk, slot=slot)
    assert response.status_code == 200
    assert "Pick a time from the list." in response.content.decode()


def test_unknown_service_or_client_is_a_form_error(client_as, desk):
    response = _post(client_as("front_desk"), desk, service="999999", client="not-a-uuid")
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    assert not Appointment.objects.exists()


def test_slot_outside_working_hours_is_refused_with_the_hours(client_as, desk):
    late = local_at(desk["location"], desk["day"], 19, 30)
    response = _post(
        client_as("front_desk"), desk, slot=slot_value(desk["therapist"], desk["location"], late)
    )
    assert response.status_code == 200
    assert "does not work 19:30" in response.content.decode()


def test_therapist_in_slot_must_match_the_chosen_therapist(client_as, desk, other_therapist):
    other_therapist.services.add(desk["service"])
    response = _post(client_as("front_desk"), desk, therapist=other_therapist.pk)
    assert "Pick a time from the list." in response.content.decode()


def test_slot_picker_lists_free_times_for_any_therapist(client_as, desk):
    http = client_as("front_desk")
    response = http.get(
        reverse("practice:book_slots"),
        {"service": desk["service"].pk, "therapist": "", "date": desk["day"].isoformat()},
    )
    body = response.content.decode()
    assert slot_value(desk["therapist"], desk["location"], desk["start"]) in body
    assert "Dana Reyes" in body


def test_slot_picker_tolerates_junk_parameters(client_as, desk):
    response = client_as("front_desk").get(
        reverse("practice:book_slots"), {"service": "x", "therapist": "y", "date": "z"}
    )
    assert response.status_code == 200


def test_client_search_offers_matching_clients_as_choices(client_as, desk):
    response = client_as("front_desk").get(reverse("practice:book_clients"), {"q": "Gonz"})
    body = response.content.decode()
    assert f'name="client" value="{desk["client"].pk}"' in body
    assert "Maria Gonzalez" in body


BOOK_LINK = f'href="{BOOK}"'


def test_therapist_cannot_book(client_as, desk):
    http = client_as("therapist")
    assert http.get(BOOK).status_code == 404
    assert BOOK_LINK not in http.get(reverse("practice:home")).content.decode()


def test_therapist_books_when_the_practice_lets_therapists_manage_all(client_as, desk, settings):
    settings.RELIEF_THERAPISTS_MANAGE_ALL = True
    http = client_as("therapist")
    assert http.get(BOOK).status_code == 200
    # The menu follows the setting as it is now, not as it was at start-up.
    assert BOOK_LINK in http.get(reverse("practice:home")).content.decode()


def test_recurring_preview_names_clashes_and_books_nothing_until_confirmed(client_as, desk):
    http = client_as("front_desk")
    blocked = AppointmentFactory(
        therapist=desk["therapist"],
        service=desk["service"],
        location=desk["location"],
        starts_at=desk["start"] + timedelta(weeks=2),
    )
    response = _post(http, desk, repeat_weeks="1", occurrences="4")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("not bookable") == 1
    assert "is already booked 10:00" in body
    assert "Book the 3 free dates" in body
    assert Appointment.objects.count() == 1

    response = _post(http, desk, repeat_weeks="1", occurrences="4", confirm_series="1")
    assert response.status_code == 302
    series = Appointment.objects.exclude(pk=blocked.pk)
    assert series.count() == 3
    assert len({a.series_id for a in series}) == 1 and series[0].series_id is not None
    # Weekly at the same local time, skipping the clashing week.
    local_hours = {a.starts_at.astimezone(desk["start"].tzinfo).hour for a in series}
    assert local_hours == {10}


@pytest.fixture
def dana_taken(desk, location):
    """Dana is booked at the desk's time; Sam, who offers the service, is free."""
    sam = TherapistFactory(display_name="Sam Okafor", services=[desk["service"]])
    works_every_day(sam, location)
    AppointmentFactory(
        therapist=desk["therapist"],
        service=desk["service"],
        location=location,
        starts_at=desk["start"],
    )
    return sam


def test_other_therapist_offering_the_service_is_used_for_any(
    client_as, desk, location, dana_taken
):
    sam = dana_taken
    _post(client_as("front_desk"), desk, slot=slot_value(sam, location, desk["start"]))
    assert Appointment.objects.filter(therapist=sam).count() == 1


def test_any_therapist_booking_moves_to_a_free_colleague_when_beaten(client_as, desk, dana_taken):
    """Two desks pick the same "any therapist" time: the second gets another therapist."""
    response = _post(client_as("front_desk"), desk)  # the slot still names Dana
    assert response.status_code == 302
    assert Appointment.objects.get(client=desk["client"]).therapist == dana_taken


def test_chosen_therapist_booking_does_not_move_to_a_colleague(client_as, desk, dana_taken):
    response = _post(client_as("front_desk"), desk, therapist=desk["therapist"].pk)
    assert response.status_code == 200
    assert "is already booked" in response.content.decode()
    assert not Appointment.objects.filter(client=desk["client"]).exists()


def test_the_second_pass_of_the_fall_back_hour_is_offered_booked_and_shown_as_itself(
    client_as, location, therapist, settings
):
    settings.RELIEF_BOOKING_HORIZON_DAYS = 400  # the next fall-back night may be months away
    service = ServiceFactory(duration=timedelta(minutes=30), needs_room=False)
    therapist.services.add(service)
    works_every_day(therapist, location, start=time(0), end=time(4))
    day = next_clock_change(location, back=True)
    tz = ZoneInfo(location.time_zone)
    first = datetime.combine(day, time(1, 15), tzinfo=tz).astimezone(UTC)
    second = datetime.combine(day, time(1, 15), tzinfo=tz).replace(fold=1).astimezone(UTC)
    http = client_as("front_desk")
    picker = http.get(
        reverse("practice:book_slots"),
        {"service": service.pk, "therapist": therapist.pk, "date": day.isoformat()},
    ).content.decode()
    for instant in (first, second):
        assert slot_value(therapist, location, instant) in picker
        assert f">01:15 {instant.astimezone(tz).tzname()}<" in picker
    desk = {
        "client": ClientFactory(),
        "service": service,
        "therapist": therapist,
        "location": location,
        "day": day,
        "start": second,
    }
    _post(http, desk)
    appointment = Appointment.objects.get()
    assert appointment.starts_at == second
    page = http.get(reverse("practice:appointment_detail", args=[appointment.pk])).content
    later = second.astimezone(tz)
    assert f"01:15–01:45 {later.tzname()}".encode() in page


@pytest.fixture
def three_free(desk, location, therapist, other_therapist):
    """Alex, Dana and Sam all offer the service and work every day."""
    alex = TherapistFactory(display_name="Alex Kim")
    for colleague in (alex, other_therapist):
        colleague.services.add(desk["service"])
        works_every_day(colleague, location)
    return {"alex": alex, "dana": therapist, "sam": other_therapist}


def _picker_names(http, desk, **params):
    response = http.get(
        reverse("practice:book_slots"),
        {"service": desk["service"].pk, "therapist": "", "date": desk["day"].isoformat(), **params},
    )
    body = response.content.decode()
    first_day = body.split("<fieldset", 2)[1]
    return first_day, body


def test_any_therapist_slots_are_spread_over_the_free_therapists(client_as, desk, three_free):
    """Not every slot with Alex: the names shown over one day's slots include all three."""
    first_day, _ = _picker_names(client_as("front_desk"), desk)
    for name in ("Alex Kim", "Dana Reyes", "Sam Okafor"):
        assert first_day.count(name) > 5, name


def test_any_therapist_offers_whoever_has_fewest_bookings_that_day(
    client_as, desk, three_free, location
):
    for hour in (9, 11, 13):
        for key in ("alex", "dana"):
            AppointmentFactory(
                therapist=three_free[key],
                service=desk["service"],
                location=location,
                starts_at=local_at(location, desk["day"], hour),
            )
    first_day, _ = _picker_names(client_as("front_desk"), desk)
    assert first_day.count("Sam Okafor") > 10
    # After 14:00 everyone is free again; Alex and Dana have three bookings each.
    afternoon = first_day.split(">14:00<")[1].split(">18:00<")[0]
    assert "Sam Okafor" in afternoon
    assert "Alex Kim" not in afternoon and "Dana Reyes" not in afternoon


def test_any_therapist_offers_the_clients_usual_therapist_first(
    client_as, desk, three_free, location
):
    AppointmentFactory(
        client=desk["client"],
        therapist=three_free["sam"],
        service=desk["service"],
        location=location,
        starts_at=local_at(location, desk["day"], 8),
        status=Appointment.Status.COMPLETED,
    )
    first_day, _ = _picker_names(client_as("front_desk"), desk, client=str(desk["client"].pk))
    later = first_day.split(">10:00<")[1]
    assert later.count("Sam Okafor") > 10
    assert "Alex Kim" not in later and "Dana Reyes" not in later


def test_slot_picker_names_the_therapist_on_a_phone_too(client_as, desk, three_free):
    """The name is not hidden below the small breakpoint (it was d-none there)."""
    _, body = _picker_names(client_as("front_desk"), desk)
    assert 'class="slot-therapist small"' in body
    assert "d-none" not in body
