"""Two-way SMS through Twilio, against a local server that speaks its Messages API.

Outgoing: the Twilio backend posts to Messages.json and raises on refusal.
Incoming: the webhook checks X-Twilio-Signature (403 otherwise); C confirms
the next appointment, X cancels it outside the late-cancel window (inside,
the reply gives the phone number), anything else waits in the inbox.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from practice.models import Appointment, SmsInbound
from practice.reminders import sms
from practice.reminders.twilio_sms import TwilioBackend
from tests import factories
from tests.practice.reminders.fake_twilio import INVALID_TO, FakeTwilio

pytestmark = pytest.mark.django_db

SID = "AC" + "1" * 32
TOKEN = "0123456789abcdef0123456789abcdef"
FROM = "+12025550999"
CLIENT_PHONE = "+12025550123"


@pytest.fixture
def twilio(settings):
    with FakeTwilio(SID, TOKEN) as fake:
        settings.RELIEF_TWILIO_ACCOUNT_SID = SID
        settings.RELIEF_TWILIO_AUTH_TOKEN = TOKEN
        settings.RELIEF_TWILIO_FROM_NUMBER = FROM
        settings.RELIEF_TWILIO_BASE_URL = fake.url
        settings.RELIEF_SMS_BACKEND = "practice.reminders.twilio_sms.TwilioBackend"
        yield fake


def _sent(fake):
    return [r["form"] for r in fake.requests]


def test_the_backend_posts_to_the_messages_api(twilio):
    count = TwilioBackend().send_messages([sms.SmsMessage(to=CLIENT_PHONE, body="Hello")])
    assert count == 1
    [request] = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request["form"] == {"To": CLIENT_PHONE, "From": FROM, "Body": "Hello"}


def test_a_refusal_raises_so_the_reminder_is_retried(twilio):
    with pytest.raises(TwilioRestException) as exc:
        sms.send_sms(to=INVALID_TO, body="Hello")
    assert exc.value.code == 21211


def test_a_wrong_auth_token_is_refused(twilio):
    backend = TwilioBackend(auth_token="f" * 32)
    with pytest.raises(TwilioRestException) as exc:
        backend.send_messages([sms.SmsMessage(to=CLIENT_PHONE, body="Hello")])
    assert exc.value.status == 401


@pytest.fixture
def maria(therapist, location):
    client = factories.ClientFactory(first_name="Maria", phone=CLIENT_PHONE)
    return client


def _appointment(maria, therapist, location, *, days=3):
    return factories.AppointmentFactory(
        client=maria,
        therapist=therapist,
        location=location,
        starts_at=timezone.now().replace(microsecond=0) + timedelta(days=days),
    )


def _text(client, body, *, sid="SM" + "a" * 32, sign=True, token=TOKEN):
    url = reverse("reminders:sms_inbound")
    params = {"MessageSid": sid, "From": CLIENT_PHONE, "To": FROM, "Body": body}
    headers = {}
    if sign:
        signature = RequestValidator(token).compute_signature("http://localhost:8000" + url, params)
        headers["HTTP_X_TWILIO_SIGNATURE"] = signature
    return client.post(url, params, **headers)


@pytest.fixture
def webhook(client, settings, django_capture_on_commit_callbacks):
    settings.RELIEF_BASE_URL = "http://localhost:8000"

    def post(body, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return _text(client, body, **kwargs)

    return post


def test_c_confirms_the_next_appointment_and_replies(twilio, webhook, maria, therapist, location):
    later = _appointment(maria, therapist, location, days=6)
    soon = _appointment(maria, therapist, location, days=3)
    response = webhook(" c ")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.status == Appointment.Status.CONFIRMED
    assert later.status == Appointment.Status.BOOKED
    [reply] = _sent(twilio)
    assert reply["To"] == CLIENT_PHONE
    assert "is confirmed" in reply["Body"]
    row = SmsInbound.objects.get()
    assert (row.action, row.client, row.appointment) == (SmsInbound.Action.CONFIRMED, maria, soon)


def test_x_cancels_outside_the_window(twilio, webhook, maria, therapist, location):
    appointment = _appointment(maria, therapist, location, days=3)
    webhook("X")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.late_cancel is False
    assert "is cancelled" in _sent(twilio)[0]["Body"]


def test_x_inside_the_window_answers_with_the_phone_number(
    twilio, webhook, maria, therapist, location, settings
):
    appointment = _appointment(maria, therapist, location, days=0)
    appointment.starts_at = timezone.now() + timedelta(hours=5)
    appointment.ends_at = appointment.starts_at + timedelta(hours=1)
    appointment.occupied_until = appointment.ends_at
    appointment.save()
    webhook("x")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    [reply] = _sent(twilio)
    assert settings.RELIEF_PRACTICE_PHONE in reply["Body"]
    assert SmsInbound.objects.get().action == SmsInbound.Action.CALL


def test_anything_else_lands_in_the_inbox(twilio, webhook, maria, client, front_desk):
    webhook("Running 10 minutes late, sorry!")
    row = SmsInbound.objects.get()
    assert row.action == SmsInbound.Action.INBOX
    assert row.client == maria
    assert "front desk will read" in _sent(twilio)[0]["Body"]

    client.force_login(front_desk)
    page = client.get(reverse("reminders:sms_inbox"))
    assert "Running 10 minutes late" in page.content.decode()
    assert reverse("clients:detail", kwargs={"client_id": maria.pk}) in page.content.decode()
    client.post(reverse("reminders:sms_handled", kwargs={"text_id": row.pk}))
    row.refresh_from_db()
    assert row.handled_by == front_desk
    page = client.get(reverse("reminders:sms_inbox"))
    assert "No texts to handle" in page.content.decode()


def test_an_unknown_number_is_told_to_call(twilio, webhook):
    webhook("C")
    assert "no upcoming appointment" in _sent(twilio)[0]["Body"]
    assert SmsInbound.objects.get().client is None


@pytest.mark.parametrize("kwargs", [{"sign": False}, {"token": "f" * 32}])
def test_an_unsigned_or_wrongly_signed_request_is_refused(
    twilio, webhook, maria, therapist, location, kwargs
):
    appointment = _appointment(maria, therapist, location)
    response = webhook("X", **kwargs)
    assert response.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert not SmsInbound.objects.exists()
    assert twilio.requests == []


def test_a_retried_webhook_acts_once(twilio, webhook, maria, therapist, location):
    _appointment(maria, therapist, location)
    webhook("C")
    webhook("C")
    assert SmsInbound.objects.count() == 1
    assert len(twilio.requests) == 1


def test_the_system_check_names_missing_twilio_settings(settings):
    from practice.checks import twilio_configured

    settings.RELIEF_SMS_BACKEND = "practice.reminders.twilio_sms.TwilioBackend"
    settings.RELIEF_TWILIO_ACCOUNT_SID = SID
    settings.RELIEF_TWILIO_AUTH_TOKEN = ""
    settings.RELIEF_TWILIO_FROM_NUMBER = ""
    [error] = twilio_configured(None)
    assert error.id == "relief.E008"
    assert "RELIEF_TWILIO_AUTH_TOKEN, RELIEF_TWILIO_FROM_NUMBER" in error.msg
    settings.RELIEF_TWILIO_AUTH_TOKEN = TOKEN
    settings.RELIEF_TWILIO_FROM_NUMBER = FROM
    assert twilio_configured(None) == []
