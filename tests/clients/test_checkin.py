"""Pre-session check-in: tokenised per appointment, or on the clinic tablet."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clients import services
from clients.models import CheckIn, CheckInLink, Score
from tests.factories import PASSWORD, AppointmentFactory, ClientFactory

pytestmark = pytest.mark.django_db

ANSWERS = {"pain_now": "3", "stress_rating": "6", "sleep_quality": "4", "anything_new": "New job"}


@pytest.fixture
def appointment(therapist, location):
    return AppointmentFactory(
        client=ClientFactory(first_name="Maria", last_name="Gonzalez", primary_therapist=therapist),
        therapist=therapist,
        location=location,
    )


def _token(url):
    return url.rstrip("/").rsplit("/", 1)[-1]


def test_link_is_a_url_with_a_hashed_single_use_token(appointment):
    url = services.checkin_link_create(appointment=appointment, base_url="https://clinic.example/")
    assert url.startswith("https://clinic.example/clients/check-in/")
    link = CheckInLink.objects.get(appointment=appointment)
    assert _token(url) not in link.token_hash
    assert link.expires_at >= appointment.ends_at


def test_client_checks_in_from_the_link(client, appointment):
    url = services.checkin_link_create(appointment=appointment)
    page = client.get(url)
    assert "Hello Maria" in page.content.decode()
    assert "Gonzalez" not in page.content.decode()
    response = client.post(url, ANSWERS)
    assert response["Location"] == reverse("clients:checkin_thanks")
    check_in = CheckIn.objects.get(appointment=appointment)
    assert check_in.anything_new == "New job"
    scores = Score.objects.filter(appointment=appointment)
    assert {(s.instrument, int(s.value)) for s in scores} == {
        ("pain_nrs", 3),
        ("stress", 6),
        ("sleep", 4),
    }
    assert {s.context for s in scores} == {"pre_session"}
    assert {s.source_id for s in scores} == {str(check_in.pk)}
    # Used up: a second open shows the friendly page.
    assert client.get(url).status_code == 410


def test_check_in_errors_are_plain(client, appointment):
    url = services.checkin_link_create(appointment=appointment)
    response = client.post(url, {"pain_now": "11", "stress_rating": "2"})
    html = response.content.decode()
    assert html.count("Please choose a number from 0 to 10.") >= 2
    assert "Select a valid choice" not in html
    assert CheckIn.objects.count() == 0


def test_expired_check_in_link(client, appointment):
    url = services.checkin_link_create(appointment=appointment)
    CheckInLink.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(url).status_code == 410


def test_front_desk_checks_in_on_the_tablet_once(client_as, appointment):
    http = client_as("front_desk")
    url = reverse("clients:checkin_staff", args=[appointment.pk])
    assert http.post(url)["Location"] == reverse("clients:kiosk")
    http.post(reverse("clients:kiosk"), ANSWERS)
    # A second pass over the kiosk form lands on the thank-you page, saving nothing.
    assert http.post(reverse("clients:kiosk"), ANSWERS)["Location"] == reverse(
        "clients:kiosk_thanks"
    )
    assert CheckIn.objects.filter(appointment=appointment).count() == 1
    assert Score.objects.filter(appointment=appointment, instrument="pain_nrs").count() == 1


def test_sam_cannot_check_in_danas_client(client_as, appointment):
    response = client_as("other_therapist").get(
        reverse("clients:checkin_staff", args=[appointment.pk])
    )
    assert response.status_code == 404


def test_client_page_offers_check_in_for_the_next_appointment(client_as, appointment):
    http = client_as("front_desk")
    detail = reverse("clients:detail", args=[appointment.client_id])
    checkin = reverse("clients:checkin_staff", args=[appointment.pk])
    assert checkin in http.get(detail).content.decode()
    http.post(checkin, {"next": detail})
    http.post(reverse("clients:kiosk"), ANSWERS)
    http.post(reverse("clients:kiosk_unlock"), {"password": PASSWORD})
    html = http.get(detail).content.decode()
    assert checkin not in html
    assert "Checked in" in html


def test_the_check_in_link_gives_the_session_time_on_its_locations_clock(
    client, therapist, location
):
    """The main location is in New York; a London client reads London time."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from tests.factories import LocationFactory

    london = LocationFactory(name="Relief Soho", time_zone="Europe/London")
    tz = ZoneInfo(london.time_zone)
    day = timezone.localdate(timezone.now(), tz) + timedelta(days=1)
    starts_at = datetime.combine(day, time(18), tzinfo=tz)
    appointment = AppointmentFactory(therapist=therapist, location=london, starts_at=starts_at)
    url = services.checkin_link_create(appointment=appointment)
    body = client.get(url).content.decode()
    assert f"{starts_at:%a} {starts_at.day} {starts_at:%b %Y}, 18:00 {starts_at.tzname()}" in body
