"""The online booking pages, the portal's reschedule and staff's request list."""

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from portal.models import OnlineBooking
from portal.online.selectors import online_slots
from portal.services import code_request
from practice.models import Appointment
from tests import factories
from tests.portal.conftest import in_days, last_code

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def _value(therapist, location, starts_at):
    from datetime import UTC

    return f"{therapist.pk}|{location.pk}|{starts_at.astimezone(UTC):%Y-%m-%dT%H:%M}"


def details_url(online, starts_at, therapist=None, any_therapist=False):
    return (
        reverse("online:details")
        + "?"
        + urlencode(
            {
                "location": online.location.pk,
                "service": online.service.pk,
                "slot": _value(therapist or online.dana, online.location, starts_at),
                "any": "1" if any_therapist else "",
            }
        )
    )


NEW_FORM = {
    "action": "new",
    "new-first_name": "Nora",
    "new-last_name": "Quinn",
    "new-email": "nora@mail.test",
    "new-phone": "(202) 555-0177",
    "new-date_of_birth": "1985-04-02",
    "new-consent_email": "on",
    "new-recent_injury": "no",
    "new-clot_or_heart": "no",
    "new-pregnant": "no",
}


def _post_fields(online, starts_at, therapist=None):
    return {
        "location": online.location.pk,
        "service": online.service.pk,
        "slot": _value(therapist or online.dana, online.location, starts_at),
        "any": "",
    }


def test_the_start_page_names_the_practice_and_shows_no_staff_menu(client, online):
    online.location.address = "12 Main Street, Springfield"
    online.location.save()
    response = client.get(reverse("online:start"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "12 Main Street, Springfield" in html and "60 min deep tissue" in html
    assert reverse("practice:calendar_day") not in html


def test_without_online_booking_the_page_says_to_call(client, location):
    response = client.get(reverse("online:start"))
    assert b"Book by phone" in response.content


def test_times_show_one_day_and_say_when_sooner_times_are_call_to_book(client, online):
    online.location.online_min_notice_minutes = 2 * 24 * 60
    online.location.save()
    url = reverse("online:times")
    query = {"location": online.location.pk, "service": online.service.pk}
    day3 = in_days(online.location, 3)
    shown = client.get(url, {**query, "day": day3.date().isoformat()}).content.decode()
    assert f"{day3:%a} {day3.day} {day3:%b}" in shown
    # 09:00 to 16:00 every 15 minutes, each start offered once (with Dana or Sam).
    assert shown.count(reverse("online:details")) == 29
    # A day inside the notice: its free times are "call to book", none links to booking.
    day = in_days(online.location, 1).date().isoformat()
    inside = client.get(url, {**query, "day": day}).content.decode()
    assert "too soon to book online: call to book" in inside
    assert reverse("online:details") not in inside


def test_a_new_client_books_and_sees_the_confirmation(client, online):
    starts_at = in_days(online.location, 3)
    url = details_url(online, starts_at)
    assert b"I am new here" in client.get(url).content
    response = client.post(url, {**NEW_FORM, **_post_fields(online, starts_at)})
    assert response.status_code == 302 and response["Location"] == reverse("online:done")
    appointment = Appointment.objects.get(client__email="nora@mail.test")
    assert appointment.status == Status.BOOKED and appointment.therapist == online.dana
    done = client.get(reverse("online:done")).content.decode()
    assert "You are booked" in done and "intake form" in done


def test_a_time_just_booked_is_no_longer_offered_on_the_times_page(client, online):
    starts_at = in_days(online.location, 3)
    query = {
        "location": online.location.pk,
        "service": online.service.pk,
        "therapist": online.dana.pk,
        "day": starts_at.date().isoformat(),
    }
    slot = urlencode({"slot": _value(online.dana, online.location, starts_at)})
    before = client.get(reverse("online:times"), query).content.decode()
    assert slot in before
    url = details_url(online, starts_at)
    assert client.post(url, {**NEW_FORM, **_post_fields(online, starts_at)}).status_code == 302
    after = client.get(reverse("online:times"), query).content.decode()
    assert slot not in after
    # Dana's next free start is the end of the booking and its cleanup.
    cleared = starts_at + online.service.duration + online.service.buffer_after
    assert urlencode({"slot": _value(online.dana, online.location, cleared)}) in after


def test_a_mistake_keeps_what_was_typed(client, online):
    starts_at = in_days(online.location, 3)
    form = {**NEW_FORM, **_post_fields(online, starts_at), "new-date_of_birth": "2999-01-01"}
    response = client.post(details_url(online, starts_at), form)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="Nora"' in html and 'value="nora@mail.test"' in html
    assert not Client.objects.filter(email="nora@mail.test").exists()


def test_a_time_taken_meanwhile_says_so_and_keeps_what_was_typed(client, online):
    starts_at = in_days(online.location, 3)
    url = details_url(online, starts_at)
    factories.AppointmentFactory(
        therapist=online.dana, service=online.service, location=online.location, starts_at=starts_at
    )
    response = client.post(url, {**NEW_FORM, **_post_fields(online, starts_at)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "someone has just booked that time" in html and 'value="Quinn"' in html
    assert not Client.objects.filter(email="nora@mail.test").exists()


def test_the_honeypot_books_nothing(client, online):
    starts_at = in_days(online.location, 3)
    form = {**NEW_FORM, **_post_fields(online, starts_at), "new-website": "http://spam.example"}
    response = client.post(details_url(online, starts_at), form)
    assert response.status_code == 400
    assert not Appointment.objects.exists() and not Client.objects.exists()


def test_new_client_bookings_are_rate_limited_per_address(client, online, settings):
    settings.RELIEF_ONLINE_BOOKINGS_PER_IP = 1
    first, second = in_days(online.location, 3), in_days(online.location, 4)
    client.post(details_url(online, first), {**NEW_FORM, **_post_fields(online, first)})
    response = client.post(
        details_url(online, second),
        {**NEW_FORM, **_post_fields(online, second), "new-email": "other@mail.test"},
    )
    assert response.status_code == 429
    assert Appointment.objects.count() == 1


def _neutral(page: str) -> str:
    # The page but the address typed and the CSRF token.
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return page.replace("maria@mail.test", "X").replace("nobody@mail.test", "X")


def _ask_code(http, online, starts_at, address, callbacks_fixture):
    with callbacks_fixture() as callbacks:
        response = http.post(
            details_url(online, starts_at),
            {
                "action": "returning",
                "returning-address": address,
                **_post_fields(online, starts_at),
            },
        )
    return response, callbacks


def test_known_and_unknown_addresses_get_the_same_answer_and_the_code_goes_by_task(
    client, online, maria, django_capture_on_commit_callbacks
):
    starts_at = in_days(online.location, 3)
    known, known_callbacks = _ask_code(
        client, online, starts_at, "maria@mail.test", django_capture_on_commit_callbacks
    )
    known_page = client.get(reverse("online:code")).content.decode()
    client.session.flush()
    unknown, unknown_callbacks = _ask_code(
        client, online, starts_at, "nobody@mail.test", django_capture_on_commit_callbacks
    )
    unknown_page = client.get(reverse("online:code")).content.decode()
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("online:code")
    assert len(known_callbacks) == len(unknown_callbacks) == 1  # queued either way
    assert _neutral(known_page) == _neutral(unknown_page)
    assert mail.outbox == []  # nothing sent in the request itself


def test_a_returning_client_signs_in_with_the_code_and_books(
    client, online, maria, django_capture_on_commit_callbacks
):
    starts_at = in_days(online.location, 3)
    _ask_code(client, online, starts_at, "Maria@Mail.test", django_capture_on_commit_callbacks)
    # What the queued task does.
    code_request(kind="email", address="maria@mail.test", base_url="https://clinic.example/")
    response = client.post(reverse("online:code"), {"code": last_code(mail.outbox)})
    assert response.status_code == 302 and reverse("online:details") in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "Booking for <strong>Maria" in page
    response = client.post(
        response["Location"], {"action": "confirm", **_post_fields(online, starts_at)}
    )
    assert response["Location"] == reverse("online:done")
    appointment = maria.appointments.get()
    assert appointment.status == Status.BOOKED and appointment.source == "online"
    assert not appointment.online_booking.new_client


def test_a_wrong_code_books_nothing(client, online, maria, django_capture_on_commit_callbacks):
    starts_at = in_days(online.location, 3)
    _ask_code(client, online, starts_at, "maria@mail.test", django_capture_on_commit_callbacks)
    code_request(kind="email", address="maria@mail.test", base_url="")
    wrong = "000000" if last_code(mail.outbox) != "000000" else "111111"
    response = client.post(reverse("online:code"), {"code": wrong})
    assert response.status_code == 400 and b"not right" in response.content
    assert not Appointment.objects.exists()


def test_the_done_page_shows_only_this_browsers_booking(client, online):
    assert client.get(reverse("online:done"))["Location"] == reverse("online:start")


# Reschedule from the portal -------------------------------------------------


@pytest.fixture
def maria_booked(online, maria):
    return factories.AppointmentFactory(
        client=maria,
        therapist=online.dana,
        service=online.service,
        location=online.location,
        starts_at=in_days(online.location, 3),
    )


def test_a_client_reschedules_after_a_confirmation(client_as, client, online, maria_booked):
    from tests.conftest import portal_sign_in

    portal_sign_in(client, maria_booked.client)
    url = reverse("portal:reschedule", args=[maria_booked.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"Change your appointment" in page.content
    target = in_days(online.location, 4, hour=11)
    value = _value(online.dana, online.location, target)
    asked = client.get(url, {"slot": value})
    assert b"Yes, move my appointment" in asked.content
    maria_booked.refresh_from_db()
    assert maria_booked.starts_at != target  # the page only asked
    response = client.post(url, {"slot": value})
    assert response["Location"] == reverse("portal:home")
    maria_booked.refresh_from_db()
    assert maria_booked.starts_at == target


def test_inside_the_window_reschedule_gives_the_phone_number(client, online, maria):
    from tests.conftest import portal_sign_in

    soon = factories.AppointmentFactory(
        client=maria,
        therapist=online.dana,
        service=online.service,
        location=online.location,
        starts_at=timezone.now() + timedelta(hours=4),
    )
    portal_sign_in(client, maria)
    response = client.get(reverse("portal:reschedule", args=[soon.pk]))
    assert b"Please call to change" in response.content
    response = client.post(
        reverse("portal:reschedule", args=[soon.pk]),
        {"slot": _value(online.dana, online.location, in_days(online.location, 4))},
    )
    assert b"Please call to change" in response.content


def test_another_clients_appointment_is_not_found(client, online, maria_booked):
    from tests.conftest import portal_sign_in

    portal_sign_in(client, factories.ClientFactory())
    assert client.get(reverse("portal:reschedule", args=[maria_booked.pk])).status_code == 404


# Staff answer requests --------------------------------------------------------


@pytest.fixture
def requested(client, online):
    online.location.online_new_clients = "request"
    online.location.save()
    starts_at = in_days(online.location, 3)
    client.post(
        details_url(online, starts_at),
        {**NEW_FORM, **_post_fields(online, starts_at), "new-pregnant": "yes"},
    )
    client.session.flush()
    return Appointment.objects.get(status=Status.REQUESTED)


def test_front_desk_sees_the_request_with_its_screening_and_approves_it(
    client_as, requested, front_desk
):
    http = client_as("front_desk")
    html = http.get(reverse("online:requests")).content.decode()
    assert "Nora" in html and "Are you pregnant?" in html
    detail = http.get(reverse("practice:appointment_detail", args=[requested.pk])).content
    assert b"Approve" in detail
    response = http.post(
        reverse("online:request_decide", args=[requested.pk]), {"action": "approve"}
    )
    assert response["Location"] == reverse("online:requests")
    requested.refresh_from_db()
    assert requested.status == Status.BOOKED
    assert OnlineBooking.objects.get(appointment=requested).decided_by == front_desk


def test_a_therapist_cannot_answer_requests(client_as, requested):
    http = client_as("therapist")
    assert http.get(reverse("online:requests")).status_code == 404
    response = http.post(
        reverse("online:request_decide", args=[requested.pk]), {"action": "approve"}
    )
    assert response.status_code == 404
    requested.refresh_from_db()
    assert requested.status == Status.REQUESTED


def test_declining_from_the_appointment_page_frees_the_time(client_as, requested):
    http = client_as("owner")
    response = http.post(
        reverse("online:request_decide", args=[requested.pk]),
        {"action": "decline", "reason": "", "back": "appointment"},
    )
    assert response["Location"] == reverse("practice:appointment_detail", args=[requested.pk])
    requested.refresh_from_db()
    assert requested.status == Status.CANCELLED


# Query counts: constant whatever the volume --------------------------------


def _fill(online, per_day):
    for day in range(1, 8):
        for n in range(per_day):
            factories.AppointmentFactory(
                therapist=online.dana,
                service=online.service,
                location=online.location,
                starts_at=in_days(online.location, day, hour=9 + 2 * n),
            )


@pytest.mark.parametrize("per_day", [0, 3])
def test_the_times_page_runs_a_constant_number_of_queries(
    client, online, per_day, django_assert_num_queries
):
    _fill(online, per_day)
    for _ in range(8):
        extra = factories.TherapistFactory()
        extra.services.add(online.service)
    url = reverse("online:times")
    query = {"location": online.location.pk, "service": online.service.pk}
    client.get(url, query)  # session and caches warm
    # Location, service, the online therapists' shifts, their time off and
    # bookings (one statement on PostgreSQL, two elsewhere).
    with django_assert_num_queries(4 if connection.vendor == "postgresql" else 5):
        assert client.get(url, query).status_code == 200


@pytest.mark.parametrize("per_day", [0, 3])
def test_the_booking_post_runs_a_constant_number_of_queries(
    client, online, per_day, sessions_as_deployed, django_assert_num_queries
):
    _fill(online, per_day)
    earlier = in_days(online.location, 2, hour=16)
    # This browser's session exists (as at the bench), so its save is an update.
    client.post(
        details_url(online, earlier), {**NEW_FORM, **_post_fields(online, earlier), "any": "1"}
    )
    starts_at = in_days(online.location, 3, hour=16)
    # The online locations; the picked service and therapist (one row); the
    # transaction (2); the new client; the booking rules' working hours and
    # time off; a savepoint pair around the appointment (a time taken meanwhile
    # goes to another therapist); the appointment, its reminders, the webhook
    # outbox, the online record; both audit entries in one INSERT; the session
    # (3: its own transaction and update). SQLite has no exclusion constraints:
    # there the booking service looks for a clash itself, one query more.
    with django_assert_num_queries(17 if connection.vendor == "postgresql" else 18):
        response = client.post(
            details_url(online, starts_at),
            {**NEW_FORM, **_post_fields(online, starts_at), "any": "1"},
        )
    assert response.status_code == 302
    booked = Appointment.objects.get(starts_at=starts_at)
    created = LogEntry.objects.filter(action=LogEntry.Action.CREATE)
    assert created.filter(object_pk=str(booked.pk)).count() == 1
    assert created.filter(object_pk=str(booked.client_id)).count() == 1


def test_slots_leave_out_what_is_booked(online):
    taken = in_days(online.location, 3, hour=10)
    factories.AppointmentFactory(
        therapist=online.dana, service=online.service, location=online.location, starts_at=taken
    )
    days, _ = online_slots(
        location=online.location,
        service=online.service,
        therapist_ids=[online.dana.pk],
        first_day=taken.date(),
        days=1,
    )
    starts = {e["slot"].starts_at for _, entries in days for e in entries}
    assert taken not in starts and taken + timedelta(hours=2) in starts
