"""Reminder messages and the reminder link pages point clients to /my/."""

import pytest
from django.urls import reverse

from practice.models import Reminder
from practice.reminders import links, messages

pytestmark = pytest.mark.django_db


def _reminder(appointment, channel):
    return Reminder.objects.create(
        appointment=appointment,
        channel=channel,
        kind=Reminder.Kind.BEFORE_48H,
        due_at=appointment.starts_at,
    )


def test_reminder_email_and_sms_link_to_the_portal(upcoming, settings):
    settings.RELIEF_BASE_URL = "https://relief.example.com"
    email = messages.build_email(_reminder(upcoming, Reminder.Channel.EMAIL))
    assert "Manage your appointments:\nhttps://relief.example.com/my/" in email.body
    assert 'href="https://relief.example.com/my/"' in email.alternatives[0][0]
    text = messages.build_sms(_reminder(upcoming, Reminder.Channel.SMS)).body
    assert text.endswith("Manage: https://relief.example.com/my/")


def test_the_cancel_page_links_to_the_portal(client, upcoming):
    token = links.make_token(upcoming, "cancel")
    page = client.get(reverse("reminders:cancel", kwargs={"cancel_token": token}))
    assert page.status_code == 200
    assert 'href="/my/"' in page.content.decode()
    done = client.get(reverse("reminders:done", kwargs={"outcome": "cancelled"}))
    assert 'href="/my/"' in done.content.decode()
