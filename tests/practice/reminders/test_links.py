"""Confirm and cancel links from reminder messages."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from practice import services
from practice.models import Appointment
from practice.reminders import links
from tests.factories import AppointmentFactory, ClientFactory, LocationFactory

pytestmark = pytest.mark.django_db

SECRET_DETAILS = ("Maria", "Dana Reyes", "12 Main Street")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def appointment(therapist):
    return AppointmentFactory(
        client=ClientFactory(first_name="Maria"),
        therapist=therapist,
        location=LocationFactory(address="12 Main Street", phone="(555) 010-7777"),
        service__needs_room=False,
        starts_at=timezone.now() + timedelta(days=3),
    )


def url(appointment, action):
    token = links.make_token(appointment, action)
    return reverse(f"reminders:{action}", kwargs={f"{action}_token": token})


def assert_reveals_nothing(response):
    body = response.content.decode()
    for detail in SECRET_DETAILS:
        assert detail not in body


class TestTokens:
    def test_a_fresh_token_opens_its_appointment(self, appointment):
        token = links.make_token(appointment, "confirm")
        assert links.read_token(token, "confirm") == appointment

    def test_tampered_token(self, appointment):
        token = links.make_token(appointment, "confirm")
        with pytest.raises(links.LinkError, match="tampered"):
            links.read_token(token[:-2] + "xx", "confirm")

    def test_a_confirm_token_does_not_cancel(self, appointment):
        token = links.make_token(appointment, "confirm")
        with pytest.raises(links.LinkError, match="tampered"):
            links.read_token(token, "cancel")

    def test_a_forged_payload_without_the_key_is_refused(self, appointment):
        forged = signing.Signer(key="not-the-secret", salt="relief.reminder-link.cancel").sign(
            f"{appointment.pk.hex}.0.4102444800"
        )
        with pytest.raises(links.LinkError, match="tampered"):
            links.read_token(forged, "cancel")

    def test_token_expires_at_the_appointment_start(self, appointment):
        token = links.make_token(appointment, "cancel")
        with pytest.raises(links.LinkError, match="expired"):
            links.read_token(token, "cancel", now=appointment.starts_at)

    def test_confirm_token_is_used_once_confirmed(self, appointment):
        token = links.make_token(appointment, "confirm")
        services.appointment_confirm(appointment=appointment, by=None)
        with pytest.raises(links.LinkError, match="used"):
            links.read_token(token, "confirm")

    def test_links_from_before_a_move_stop_working(self, appointment, front_desk, works_every_day):
        appointment.therapist.services.add(appointment.service)
        works_every_day(appointment.therapist, appointment.location)
        token = links.make_token(appointment, "cancel")
        # Mid-morning the next day: the fixture's time (now, three days on) run
        # late in the evening made an hour that crossed midnight, which the
        # working hours (up to 23:59:59) refuse.
        local = timezone.localtime(appointment.starts_at, ZoneInfo(appointment.location.time_zone))
        next_morning = (local + timedelta(days=1)).replace(hour=10, minute=0, second=0)
        services.appointment_reschedule(
            appointment=appointment, starts_at=next_morning, by=front_desk
        )
        with pytest.raises(links.LinkError, match="used"):
            links.read_token(token, "cancel")


class TestConfirmPage:
    def test_get_shows_the_appointment_and_does_not_confirm(self, client, appointment):
        response = client.get(url(appointment, "confirm"))
        assert response.status_code == 200
        assert "Dana Reyes" in response.content.decode()
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.BOOKED

    def test_post_confirms(self, client, appointment):
        response = client.post(url(appointment, "confirm"))
        assert response.status_code == 302
        assert response["Location"] == reverse("reminders:done", kwargs={"outcome": "confirmed"})
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.CONFIRMED
        assert appointment.updated_by is None

    def test_used_link_shows_a_friendly_page_revealing_nothing(self, client, appointment):
        link = url(appointment, "confirm")
        client.post(link)
        response = client.get(link)
        assert response.status_code == 410
        assert "can no longer be used" in response.content.decode()
        assert_reveals_nothing(response)

    def test_tampered_link_is_a_friendly_404(self, client, appointment):
        response = client.get(url(appointment, "confirm")[:-5] + "abcd/")
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
        assert_reveals_nothing(response)

    def test_expired_link(self, client, appointment):
        link = url(appointment, "confirm")
        Appointment.objects.filter(pk=appointment.pk).update(
            starts_at=timezone.now() - timedelta(minutes=1),
            ends_at=timezone.now() + timedelta(minutes=59),
            occupied_until=timezone.now() + timedelta(minutes=74),
        )
        response = client.get(link)
        assert response.status_code == 410
        assert_reveals_nothing(response)

    def test_guessing_tokens_is_rate_limited_per_address(self, client, appointment, settings):
        settings.RELIEF_LINK_FAILURE_LIMIT = 3
        for attempt in range(3):
            bad = reverse("reminders:confirm", kwargs={"confirm_token": f"guess-{attempt}"})
            assert client.get(bad).status_code == 404
        response = client.get(url(appointment, "confirm"))
        assert response.status_code == 429
        assert_reveals_nothing(response)
        other_address = client.get(url(appointment, "confirm"), REMOTE_ADDR="198.51.100.7")
        assert other_address.status_code == 200


class TestCancelPage:
    def test_outside_the_window_get_asks_and_post_cancels(self, client, appointment):
        link = url(appointment, "cancel")
        page = client.get(link)
        assert page.status_code == 200
        assert "Cancel the appointment" in page.content.decode()
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.BOOKED
        response = client.post(link)
        assert response["Location"] == reverse("reminders:done", kwargs={"outcome": "cancelled"})
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.CANCELLED
        assert appointment.cancel_reason == "Cancelled by client from reminder"
        assert appointment.cancelled_by is None
        assert appointment.late_cancel is False
        # The same link afterwards: used.
        assert client.get(link).status_code == 410

    def test_inside_the_window_shows_the_phone_number_and_never_cancels(self, client, appointment):
        Appointment.objects.filter(pk=appointment.pk).update(
            starts_at=timezone.now() + timedelta(hours=3),
            ends_at=timezone.now() + timedelta(hours=4),
            occupied_until=timezone.now() + timedelta(hours=4, minutes=15),
        )
        appointment.refresh_from_db()
        link = url(appointment, "cancel")
        for response in (client.get(link), client.post(link)):
            assert response.status_code == 200
            assert "(555) 010-7777" in response.content.decode()
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.BOOKED

    def test_inside_the_window_a_late_cancel_is_recorded_when_allowed(
        self, client, appointment, settings
    ):
        settings.RELIEF_CLIENT_LATE_CANCEL_ALLOWED = True
        Appointment.objects.filter(pk=appointment.pk).update(
            starts_at=timezone.now() + timedelta(hours=3),
            ends_at=timezone.now() + timedelta(hours=4),
            occupied_until=timezone.now() + timedelta(hours=4, minutes=15),
        )
        appointment.refresh_from_db()
        link = url(appointment, "cancel")
        assert "late cancellation" in client.get(link).content.decode()
        client.post(link)
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.CANCELLED
        assert appointment.late_cancel is True

    def test_a_confirmed_appointment_can_still_be_cancelled(self, client, appointment):
        link = url(appointment, "cancel")
        services.appointment_confirm(appointment=appointment, by=None)
        client.post(link)
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.CANCELLED

    def test_post_needs_the_csrf_token(self, appointment):
        from django.test import Client

        response = Client(enforce_csrf_checks=True).post(url(appointment, "cancel"))
        assert response.status_code == 403
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.BOOKED


def test_done_page_for_an_unknown_outcome_is_404(client):
    assert client.get(reverse("reminders:done", kwargs={"outcome": "hacked"})).status_code == 404
