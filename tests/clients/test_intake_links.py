"""Intake links: hashed tokens, expiry, single use, friendly pages, rate limit."""

import hashlib
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clients import services
from clients.models import IntakeLink
from clients.tasks import send_intake_link
from tests.clients.factories import intake_answers
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def _url(raw):
    return reverse("clients:intake_public", args=[raw])


@pytest.fixture
def maria(therapist):
    return ClientFactory(
        first_name="Maria",
        last_name="Gonzalez",
        email="maria@mail.test",
        phone="+12025550143",
        primary_therapist=therapist,
    )


def test_token_is_stored_only_as_its_sha256(maria):
    link, raw = services.intake_link_create(client=maria)
    link.refresh_from_db()
    assert link.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(IntakeLink.objects.filter(pk=link.pk).values().get())
    assert len(raw) >= 43


def test_link_expires_after_the_configured_days(maria, settings):
    settings.RELIEF_INTAKE_LINK_DAYS = 3
    now = timezone.now()
    link, _ = services.intake_link_create(client=maria, now=now)
    assert link.expires_at == now + timedelta(days=3)


def test_default_lifetime_is_seven_days(maria):
    now = timezone.now()
    link, _ = services.intake_link_create(client=maria, now=now)
    assert link.expires_at == now + timedelta(days=7)


def test_page_greets_by_first_name_and_shows_no_stored_data(client, maria):
    maria.preferred_name = ""
    maria.emergency_contact_name = "Rosa Gonzalez"
    maria.save()
    _, raw = services.intake_link_create(client=maria)
    response = client.get(_url(raw))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hello Maria" in html
    for stored in ("Gonzalez", "maria@mail.test", "555-0143", "5550143", "Rosa"):
        assert stored not in html


@pytest.mark.parametrize(
    ("state", "status", "text"),
    [
        ("expired", 410, "This link has expired"),
        ("used", 410, "We already have your answers"),
        ("unknown", 404, "We could not open this link"),
    ],
)
def test_unusable_links_show_a_friendly_page_with_the_phone(
    client, maria, settings, state, status, text
):
    settings.RELIEF_PRACTICE_PHONE = "(555) 222-3333"
    link, raw = services.intake_link_create(client=maria)
    if state == "expired":
        link.expires_at = timezone.now() - timedelta(seconds=1)
        link.save()
    elif state == "used":
        link.used_at = timezone.now()
        link.save()
    else:
        raw = "not-a-real-token"
    response = client.get(_url(raw))
    assert response.status_code == status
    html = response.content.decode()
    assert text in html
    assert "(555) 222-3333" in html
    assert "Maria" not in html


def test_tampered_token_is_not_recognised(client, maria):
    _, raw = services.intake_link_create(client=maria)
    tampered = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    response = client.get(_url(tampered))
    assert response.status_code == 404
    assert "We could not open this link" in response.content.decode()


def test_posting_to_a_used_link_creates_nothing(client, maria):
    link, raw = services.intake_link_create(client=maria)
    link.used_at = timezone.now()
    link.save()
    response = client.post(_url(raw), {"chief_complaint": "x"})
    assert response.status_code == 410
    assert maria.intakes.count() == 0


def test_repeated_guessing_is_rate_limited(client, maria, settings):
    settings.RELIEF_LINK_GUESS_LIMIT = 3
    for n in range(3):
        assert client.get(_url(f"guess-{n}")).status_code == 404
    _, raw = services.intake_link_create(client=maria)
    # Even a valid link waits once the address has guessed too often.
    response = client.get(_url(raw))
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "Please wait" in response.content.decode()


def test_valid_links_do_not_count_as_guesses(client, maria, settings):
    settings.RELIEF_LINK_GUESS_LIMIT = 2
    _, raw = services.intake_link_create(client=maria)
    for _ in range(5):
        assert client.get(_url(raw)).status_code == 200


def test_sending_a_link_queues_the_email_after_commit(
    client_as, maria, django_capture_on_commit_callbacks
):
    http = client_as("front_desk")
    with django_capture_on_commit_callbacks() as callbacks:
        response = http.post(reverse("clients:intake_link_send", args=[maria.pk]))
    assert response.status_code == 302
    assert len(callbacks) == 1
    link = maria.intake_links.get()
    assert link.sent_at is None
    assert mail.outbox == []


def test_the_task_mints_the_token_and_emails_a_working_link(client, maria, owner):
    link = services.intake_link_request(
        client=maria, created_by=owner, base_url="https://clinic.example/"
    )
    assert send_intake_link.run(str(link.pk), "https://clinic.example/") is True
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maria@mail.test"]
    url = next(w for w in message.body.split() if w.startswith("https://clinic.example/"))
    path = url.removeprefix("https://clinic.example")
    assert client.get(path).status_code == 200
    link.refresh_from_db()
    assert link.sent_at is not None and link.sent_to == "maria@mail.test"
    # Idempotent: running again sends nothing.
    assert send_intake_link.run(str(link.pk), "https://clinic.example/") is False
    assert len(mail.outbox) == 1
    # No clinical content and no stored data beyond the first name in the email.
    assert "Gonzalez" not in message.body


def test_a_pending_link_cannot_be_opened(client, maria, owner):
    link = services.intake_link_request(client=maria, created_by=owner, base_url="")
    assert client.get(_url(link.token_hash)).status_code == 404


def test_client_without_email_gets_a_plain_message(client_as, maria):
    maria.email = ""
    maria.save()
    http = client_as("front_desk")
    response = http.post(reverse("clients:intake_link_send", args=[maria.pk]), follow=True)
    assert "no email address" in response.content.decode()
    assert maria.intake_links.count() == 0


def test_online_submit_uses_the_link_up(maria):
    _, raw = services.intake_link_create(client=maria)
    services.intake_submit_online(raw_token=raw, answers=intake_answers(), ip="203.0.113.9")
    with pytest.raises(services.LinkUnusable) as info:
        services.intake_submit_online(raw_token=raw, answers=intake_answers(), ip="203.0.113.9")
    assert info.value.state == "used"
    assert maria.intakes.count() == 1


def test_a_failed_send_keeps_the_error_and_retries(maria, owner, monkeypatch):
    from smtplib import SMTPException

    def refuse(*args, **kwargs):
        raise SMTPException("mail server said no")

    monkeypatch.setattr("clients.services.send_mail", refuse)
    link = services.intake_link_request(client=maria, created_by=owner, base_url="")
    with pytest.raises(SMTPException):
        send_intake_link.run(str(link.pk), "")
    link.refresh_from_db()
    assert "mail server said no" in link.last_error
    assert link.sent_at is None
    assert link.token_hash.startswith("pending-")  # the minted token was rolled back


def test_intake_scores_are_audited(maria):
    from auditlog.models import LogEntry

    _, raw = services.intake_link_create(client=maria)
    intake = services.intake_submit_online(raw_token=raw, answers=intake_answers(), ip=None)
    scores = list(maria.scores.all())
    assert len(scores) == 6
    assert (
        LogEntry.objects.filter(
            content_type__model="score", object_pk__in=[str(s.pk) for s in scores]
        ).count()
        == 6
    )
    assert LogEntry.objects.filter(content_type__model="intake", object_pk=str(intake.pk)).exists()


def test_a_second_click_says_when_the_open_link_was_sent_and_asks_first(
    client_as, maria, django_capture_on_commit_callbacks
):
    http = client_as("front_desk")
    send = reverse("clients:intake_link_send", args=[maria.pk])
    http.post(send)
    first = maria.intake_links.get()
    send_intake_link.run(str(first.pk), "")
    first.refresh_from_db()
    sent_at = timezone.localtime(first.sent_at)
    with django_capture_on_commit_callbacks() as callbacks:
        response = http.post(send, follow=True)
    body = response.content.decode()
    assert f"sent to maria@mail.test at {sent_at:%H:%M}" in body
    assert "Send another link (the earlier one stops working)" in body
    assert callbacks == [] and maria.intake_links.count() == 1
    assert len(mail.outbox) == 1

    with django_capture_on_commit_callbacks() as callbacks:
        http.post(send, {"replace": "1"})
    assert len(callbacks) == 1 and maria.intake_links.count() == 2
    first.refresh_from_db()
    assert first.state(timezone.now()) == "expired"
    newest = maria.intake_links.order_by("-created_at").first()
    assert newest.state(timezone.now()) == "valid"
