"""iCalendar attachments and therapists' calendar feeds."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from practice.models import Appointment, CalendarFeed
from practice.reminders import feeds, ics
from tests.factories import AppointmentFactory, ClientFactory, LocationFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def appointment(therapist):
    return AppointmentFactory(
        client=ClientFactory(first_name="Maria", last_name="Gonzalez"),
        therapist=therapist,
        location=LocationFactory(
            name="Relief Mitte", address="Torstraße 1, Berlin", time_zone="Europe/Berlin"
        ),
        service__name="Prenatal massage",
        starts_at=datetime(2027, 3, 29, 9, 30, tzinfo=BERLIN),  # just after the DST change
    )


def parse(data: bytes) -> tuple[Calendar, dict]:
    calendar = Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    return calendar, event


class TestAppointmentIcs:
    def test_stable_uid_local_time_zone_and_no_clinical_content(self, appointment):
        data = ics.appointment_ics(appointment)
        calendar, event = parse(data)
        assert calendar["METHOD"] == "REQUEST"
        assert str(event["UID"]) == f"{appointment.pk}@relief"
        assert event["SEQUENCE"] == 0
        assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
        assert event.decoded("DTSTART") == datetime(2027, 3, 29, 9, 30, tzinfo=BERLIN)
        assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
        assert "Torstraße 1" in str(event["LOCATION"])
        assert "Dana Reyes" in str(event["SUMMARY"])
        assert b"Prenatal" not in data

    def test_the_uid_stays_and_the_sequence_rises_on_a_move(self, appointment):
        _, before = parse(ics.appointment_ics(appointment))
        Appointment.objects.filter(pk=appointment.pk).update(sequence=2)
        appointment.refresh_from_db()
        _, after = parse(ics.appointment_ics(appointment))
        assert after["UID"] == before["UID"]
        assert after["SEQUENCE"] == 2

    def test_cancellation_uses_method_cancel(self, appointment):
        calendar, event = parse(ics.appointment_ics(appointment, cancel=True))
        assert calendar["METHOD"] == "CANCEL"
        assert event["STATUS"] == "CANCELLED"


def test_calendars_are_written_as_icalendar_writes_them(appointment, therapist):
    """The VTIMEZONEs and headers are written once per process and reused."""
    new_york = AppointmentFactory(
        therapist=therapist,
        location=LocationFactory(
            time_zone="America/New_York",
            address="1 Long Road\nSuite 2, with a name long enough to fold the line",
        ),
        starts_at=datetime(2027, 11, 7, 9, tzinfo=ZoneInfo("America/New_York")),
    )
    stamp = datetime(2027, 3, 1, 12, tzinfo=BERLIN)
    calendars = [
        ics.appointment_ics(appointment, now=stamp),
        ics.appointment_ics(new_york, cancel=True, now=stamp),
        ics.therapist_feed_ics([appointment, new_york], name="Dana; feed, test", now=stamp),
    ]
    for data in calendars:
        # Parsed and written again by icalendar: the very same bytes (CRLF,
        # folding at 75 octets, escaping).
        assert Calendar.from_ical(data).to_ical() == data
        assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    feed = Calendar.from_ical(calendars[2])
    assert [tz["TZID"] for tz in feed.walk("VTIMEZONE")] == ["America/New_York", "Europe/Berlin"]
    assert len(feed.walk("VEVENT")) == 2
    assert feed["X-WR-CALNAME"] == "Dana; feed, test"


class TestFeed:
    def test_only_a_hash_of_the_token_is_stored(self, therapist):
        token = feeds.calendar_feed_regenerate(therapist=therapist)
        feed = CalendarFeed.objects.get(therapist=therapist)
        assert token not in feed.token_hash
        assert feeds.calendar_feed_for_token(token) == feed

    def test_feed_lists_clients_by_first_name_and_last_initial(
        self, client, therapist, appointment, other_therapist
    ):
        moved = timezone.now() + timedelta(days=2)
        Appointment.objects.filter(pk=appointment.pk).update(
            starts_at=moved,
            ends_at=moved + timedelta(hours=1),
            occupied_until=moved + timedelta(hours=1),
        )
        AppointmentFactory(
            therapist=other_therapist,
            client=ClientFactory(first_name="Otto"),
            starts_at=timezone.now() + timedelta(days=2),
        )
        token = feeds.calendar_feed_regenerate(therapist=therapist)
        response = client.get(reverse("reminders:feed", kwargs={"feed_token": token}))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        calendar = Calendar.from_ical(response.content)
        summaries = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
        assert len(summaries) == 1
        assert summaries[0].startswith("Maria G.")
        body = response.content.decode()
        assert "Gonzalez" not in body and "Otto" not in body
        assert "maria" not in body.lower().replace("maria g.", "")

    def test_feed_titles_name_the_service_only_where_the_owner_opts_in(
        self, client, therapist, appointment, settings
    ):
        moved = timezone.now() + timedelta(days=2)
        Appointment.objects.filter(pk=appointment.pk).update(
            starts_at=moved,
            ends_at=moved + timedelta(hours=1),
            occupied_until=moved + timedelta(hours=1),
        )
        token = feeds.calendar_feed_regenerate(therapist=therapist)
        feed_url = reverse("reminders:feed", kwargs={"feed_token": token})

        def title():
            body = client.get(feed_url).content
            _, event = parse(body)
            return body, str(event["SUMMARY"])

        body, summary = title()
        assert summary == "Maria G."
        assert b"Prenatal" not in body
        settings.RELIEF_FEED_SHOWS_SERVICE = True
        assert title()[1] == "Maria G. – Prenatal massage"

    def test_cancelled_appointments_stay_in_the_feed_marked_cancelled(
        self, client, therapist, appointment
    ):
        moved = timezone.now() + timedelta(days=2)
        Appointment.objects.filter(pk=appointment.pk).update(
            starts_at=moved,
            ends_at=moved + timedelta(hours=1),
            occupied_until=moved + timedelta(hours=1),
            status=Appointment.Status.CANCELLED,
        )
        token = feeds.calendar_feed_regenerate(therapist=therapist)
        response = client.get(reverse("reminders:feed", kwargs={"feed_token": token}))
        [event] = Calendar.from_ical(response.content).walk("VEVENT")
        # Calendar apps remove the event they already hold instead of keeping a ghost.
        assert event["STATUS"] == "CANCELLED"
        assert str(event["UID"]) == f"{appointment.pk}@relief"

    def test_bad_token_is_404(self, client, therapist):
        feeds.calendar_feed_regenerate(therapist=therapist)
        response = client.get(reverse("reminders:feed", kwargs={"feed_token": "nope"}))
        assert response.status_code == 404

    def test_a_new_token_ends_the_old_one(self, client, therapist):
        old = feeds.calendar_feed_regenerate(therapist=therapist)
        feeds.calendar_feed_regenerate(therapist=therapist)
        response = client.get(reverse("reminders:feed", kwargs={"feed_token": old}))
        assert response.status_code == 404

    def test_feed_query_count_does_not_grow_with_appointments(
        self, client, therapist, django_assert_max_num_queries
    ):
        token = feeds.calendar_feed_regenerate(therapist=therapist)
        feed_url = reverse("reminders:feed", kwargs={"feed_token": token})

        def add(n):
            start = timezone.now() + timedelta(days=1)
            already = Appointment.objects.count()
            for i in range(already, already + n):
                AppointmentFactory(therapist=therapist, starts_at=start + timedelta(hours=2 * i))

        add(2)
        with django_assert_max_num_queries(4):
            client.get(feed_url)
        add(20)
        with django_assert_max_num_queries(4):
            assert len(Calendar.from_ical(client.get(feed_url).content).walk("VEVENT")) == 22


class TestFeedPage:
    def test_therapist_makes_a_feed_and_sees_the_url_once(self, client_as, therapist):
        http = client_as("therapist")
        page = http.get(reverse("reminders:calendar_feed"))
        assert "You have no calendar feed yet" in page.content.decode()
        response = http.post(reverse("reminders:calendar_feed"), {"action": "regenerate"})
        assert response.status_code == 302
        shown = http.get(reverse("reminders:calendar_feed")).content.decode()
        assert '.ics"' in shown and "shown only now" in shown
        again = http.get(reverse("reminders:calendar_feed")).content.decode()
        assert '.ics"' not in again
        assert "Your feed was created" in again

    def test_therapist_turns_the_feed_off(self, client_as, therapist):
        feeds.calendar_feed_regenerate(therapist=therapist)
        client_as("therapist").post(reverse("reminders:calendar_feed"), {"action": "stop"})
        assert not CalendarFeed.objects.filter(therapist=therapist).exists()

    def test_front_desk_has_no_feed_page(self, client_as):
        assert client_as("front_desk").get(reverse("reminders:calendar_feed")).status_code == 404


def fall_back_day(zone: ZoneInfo, year: int):
    """The autumn day of `year` on which `zone`'s clocks go back."""
    day = datetime(year, 8, 1).date()
    while datetime(day.year, day.month, day.day, 12, tzinfo=zone).utcoffset() == (
        datetime(day.year, day.month, day.day, tzinfo=zone).utcoffset()
    ):
        day += timedelta(days=1)
    return day


@pytest.mark.parametrize("zone_name", ["America/New_York", "Europe/London"])
@pytest.mark.parametrize("year", [2026, 2027])
@pytest.mark.parametrize(
    ("minute", "fold"),
    # An hour from the first 01:30 ends at the second 01:30 (the same local
    # time); a start in the second 01:15 reads as the first if written as local.
    [(30, 0), (15, 1)],
    ids=["from-the-first-occurrence", "from-the-second-occurrence"],
)
def test_an_appointment_in_the_repeated_hour_keeps_its_instants_in_the_ics(
    therapist, zone_name, year, minute, fold
):
    zone = ZoneInfo(zone_name)
    day = fall_back_day(zone, year)
    local = datetime(day.year, day.month, day.day, 1, minute, tzinfo=zone, fold=fold)
    # In UTC: arithmetic on a local datetime is wall-clock arithmetic, blind to fold.
    starts_at = local.astimezone(UTC)
    appointment = AppointmentFactory(
        therapist=therapist,
        location=LocationFactory(time_zone=zone_name),
        service__duration=timedelta(hours=1),
        starts_at=starts_at,
    )
    for data in (
        ics.appointment_ics(appointment),
        ics.therapist_feed_ics([appointment], name="Dana"),
    ):
        _, event = parse(data)
        assert event.decoded("DTSTART").astimezone(UTC) == appointment.starts_at.astimezone(UTC)
        assert event.decoded("DTEND").astimezone(UTC) == appointment.ends_at.astimezone(UTC)
