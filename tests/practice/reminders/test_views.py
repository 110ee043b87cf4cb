"""Staff side of reminders: status partial, resend, SMS backends, system checks."""

import io
import json
from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from practice.models import Reminder
from practice.reminders import sms
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def appointment(therapist):
    return AppointmentFactory(therapist=therapist, starts_at=timezone.now() + timedelta(days=3))


def make(appointment, kind, **fields):
    return Reminder.objects.create(
        appointment=appointment, channel="email", kind=kind, due_at=timezone.now(), **fields
    )


def render_partial(appointment, user):
    request = RequestFactory().get("/appointments/x/")
    request.user = user
    return render_to_string(
        "practice/_appointment_reminders.html", {"appointment": appointment}, request=request
    )


def test_partial_shows_each_status_and_resend_for_sent_or_failed(appointment, front_desk):
    sent = make(appointment, Reminder.Kind.CONFIRMATION, status="sent", sent_at=timezone.now())
    failed = make(appointment, Reminder.Kind.BEFORE_48H, status="failed", last_error="SMTP 550")
    make(appointment, Reminder.Kind.BEFORE_2H)
    html = render_partial(appointment, front_desk)
    assert "Sent" in html and "Failed" in html and "Pending" in html
    assert "SMTP 550" in html
    assert reverse("reminders:resend", kwargs={"pk": sent.pk}) in html
    assert reverse("reminders:resend", kwargs={"pk": failed.pk}) in html
    assert html.count("Resend</button>") == 2
    assert 'name="next" value="/appointments/x/"' in html


def test_partial_explains_an_empty_list(appointment, front_desk):
    assert "has not agreed to any channel" in render_partial(appointment, front_desk)


@pytest.mark.parametrize("who", ["owner", "front_desk", "therapist"])
def test_staff_who_may_change_the_appointment_resend(client_as, appointment, who):
    reminder = make(appointment, Reminder.Kind.CONFIRMATION, status="failed", last_error="x")
    response = client_as(who).post(
        reverse("reminders:resend", kwargs={"pk": reminder.pk}), {"next": "/somewhere/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/somewhere/"
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.PENDING


def test_other_therapist_cannot_resend_danas_reminder(client_as, appointment):
    reminder = make(appointment, Reminder.Kind.CONFIRMATION, status="failed")
    response = client_as("other_therapist").post(
        reverse("reminders:resend", kwargs={"pk": reminder.pk})
    )
    assert response.status_code == 404
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.FAILED


def test_resend_never_acts_on_get(client_as, appointment):
    reminder = make(appointment, Reminder.Kind.CONFIRMATION, status="failed")
    response = client_as("front_desk").get(reverse("reminders:resend", kwargs={"pk": reminder.pk}))
    assert response.status_code == 405
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.FAILED


def test_resend_refused_is_a_message_not_an_error(client_as, appointment):
    reminder = make(appointment, Reminder.Kind.CONFIRMATION)  # still pending
    http = client_as("front_desk")
    response = http.post(reverse("reminders:resend", kwargs={"pk": reminder.pk}), follow=True)
    assert response.status_code == 200
    assert "Only a sent or failed reminder" in response.content.decode()


def test_resend_ignores_an_offsite_next(client_as, appointment):
    reminder = make(appointment, Reminder.Kind.CONFIRMATION, status="sent")
    response = client_as("front_desk").post(
        reverse("reminders:resend", kwargs={"pk": reminder.pk}), {"next": "https://evil.test/"}
    )
    assert response["Location"] == reverse("practice:home")


class TestSmsBackends:
    def test_locmem_keeps_an_outbox(self):
        sms.outbox.clear()
        sms.send_sms(to="+12025550100", body="Hi", idempotency_key="k1")
        assert sms.outbox == [sms.SmsMessage(to="+12025550100", body="Hi", idempotency_key="k1")]
        sms.outbox.clear()

    def test_console_writes_the_message(self):
        stream = io.StringIO()
        sms.ConsoleBackend(stream=stream).send_messages([sms.SmsMessage("+1202", "Hello", "k2")])
        assert "SMS to +1202 [k2]" in stream.getvalue() and "Hello" in stream.getvalue()

    def test_file_backend_appends_json_lines(self, tmp_path):
        backend = sms.FileBackend(file_path=tmp_path)
        backend.send_messages([sms.SmsMessage("+1202", "One", "a")])
        backend.send_messages([sms.SmsMessage("+1202", "Two", "b")])
        lines = (tmp_path / "sms.jsonl").read_text().splitlines()
        assert [json.loads(line)["idempotency_key"] for line in lines] == ["a", "b"]

    def test_no_backend_is_a_clear_error(self, settings):
        settings.RELIEF_SMS_BACKEND = ""
        with pytest.raises(ImproperlyConfigured):
            sms.get_backend()


class TestSystemChecks:
    def ids(self):
        return {message.id for message in run_checks()}

    def test_sms_on_without_a_backend(self, settings):
        settings.RELIEF_SMS_REMINDERS_ENABLED = True
        settings.RELIEF_SMS_BACKEND = ""
        assert "relief.E002" in self.ids()

    def test_sms_off_without_a_backend_is_fine(self, settings):
        settings.RELIEF_SMS_REMINDERS_ENABLED = False
        settings.RELIEF_SMS_BACKEND = ""
        assert not {"relief.E002", "relief.E003"} & self.ids()

    def test_backend_that_does_not_import(self, settings):
        settings.RELIEF_SMS_BACKEND = "nowhere.Backend"
        assert "relief.E003" in self.ids()

    def test_offset_without_a_reminder_kind(self, settings):
        settings.RELIEF_REMINDER_OFFSETS_HOURS = [48, 24, 2]
        assert "relief.W004" in self.ids()

    def test_bad_sending_hours(self, settings):
        settings.RELIEF_SMS_SENDING_HOURS = (20, 8)
        assert "relief.E005" in self.ids()


def test_deploy_check_flags_a_localhost_base_url(settings):
    settings.RELIEF_BASE_URL = "http://localhost:8000"
    assert "relief.W006" in {m.id for m in run_checks(include_deployment_checks=True)}
    settings.RELIEF_BASE_URL = "https://relief.example.com"
    assert "relief.W006" not in {m.id for m in run_checks(include_deployment_checks=True)}
