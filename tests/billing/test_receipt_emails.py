"""Receipts by email: an outbox row per request, sent once, swept until sent."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django.utils import timezone

from billing import receipts, services
from billing.models import ReceiptEmail
from billing.tasks import receipt_emails_sweep
from tests.practice.reminders.test_worker import wait_until

pytestmark = pytest.mark.django_db


def build_pdf(invoice):
    return receipts.receipt_pdf(invoice, base_url="http://testserver/")


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server down")


@pytest.fixture
def emailed(issued, front_desk, django_capture_on_commit_callbacks):
    issued.client.email = "maria@example.com"
    issued.client.save()
    # The on-commit send is held back so each test drives the send itself.
    with django_capture_on_commit_callbacks(execute=False):
        return services.receipt_email_request(invoice=issued, by=front_desk)


def test_a_request_sends_the_pdf_receipt_once(emailed):
    assert services.receipt_email_send(pk=emailed.pk, build_pdf=build_pdf) is True
    assert services.receipt_email_send(pk=emailed.pk, build_pdf=build_pdf) is False

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maria@example.com"]
    assert f"invoice {emailed.invoice.number}" in message.subject
    ((filename, content, mimetype),) = message.attachments
    assert filename == f"receipt-{emailed.invoice.number}.pdf"
    assert mimetype == "application/pdf"
    assert content.startswith(b"%PDF")
    emailed.refresh_from_db()
    assert emailed.sent_at is not None and emailed.attempts == 1


def test_a_failed_send_is_kept_and_retried_later_with_backoff(emailed, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    assert services.receipt_email_send(pk=emailed.pk, build_pdf=build_pdf) is False
    emailed.refresh_from_db()
    assert emailed.sent_at is None
    assert emailed.attempts == 1
    assert "mail server down" in emailed.last_error
    now = timezone.now()
    assert emailed.next_attempt_at > now
    assert emailed.pk not in services.receipt_emails_due(now=now)
    assert emailed.pk in services.receipt_emails_due(now=now + timedelta(minutes=3))

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.receipt_email_send(pk=emailed.pk, build_pdf=build_pdf) is True
    emailed.refresh_from_db()
    assert emailed.sent_at is not None and emailed.last_error == ""
    assert emailed.pk not in services.receipt_emails_due(now=now + timedelta(hours=1))


def test_the_sweep_gives_up_after_the_last_attempt(emailed, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    for _ in range(ReceiptEmail.MAX_ATTEMPTS):
        ReceiptEmail.objects.filter(pk=emailed.pk).update(next_attempt_at=timezone.now())
        services.receipt_email_send(pk=emailed.pk, build_pdf=build_pdf)
    emailed.refresh_from_db()
    assert emailed.gave_up
    far = timezone.now() + timedelta(days=30)
    assert emailed.pk not in services.receipt_emails_due(now=far)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.receipt_email_send(pk=emailed.pk, build_pdf=build_pdf) is False
    assert mail.outbox == []


def test_a_request_whose_send_never_ran_is_found_by_the_sweep(emailed):
    """The on-commit send was lost (broker down, process killed): the row waits."""
    assert services.receipt_emails_due(now=timezone.now()) == []  # within the grace
    later = timezone.now() + timedelta(minutes=3)
    assert services.receipt_emails_due(now=later) == [emailed.pk]


def test_only_issued_invoices_with_an_address_are_emailed(session, front_desk):
    draft = services.invoice_open_for_appointment(appointment=session, by=front_desk)
    with pytest.raises(services.ValidationError, match="issued"):
        services.receipt_email_request(invoice=draft, by=front_desk)
    issued = services.invoice_issue(invoice=draft, by=front_desk)
    issued.client.email = ""
    issued.client.save()
    with pytest.raises(services.ValidationError, match="no email address"):
        services.receipt_email_request(invoice=issued, by=front_desk)
    assert not ReceiptEmail.objects.exists()


def test_the_invoice_page_emails_the_receipt_and_shows_its_state(
    client, issued, front_desk, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    issued.client.email = "maria@example.com"
    issued.client.save()
    client.force_login(front_desk)
    page = reverse("billing:invoice", args=[issued.pk])
    assert "Email receipt to maria@example.com" in client.get(page).text

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("billing:receipt_email", args=[issued.pk]), follow=True)
    assert len(queued) == 1
    assert "The receipt is on its way to maria@example.com." in response.text
    assert "Receipt to maria@example.com: queued" in response.text
    sent = ReceiptEmail.objects.get()
    assert sent.requested_by == front_desk

    services.receipt_email_send(pk=sent.pk, build_pdf=build_pdf)
    assert "Receipt to maria@example.com: sent" in client.get(page).text


def test_the_page_says_how_to_email_a_client_without_an_address(client, issued, front_desk):
    issued.client.email = ""
    issued.client.save()
    client.force_login(front_desk)
    text = client.get(reverse("billing:invoice", args=[issued.pk])).text
    assert "No email address on file" in text
    response = client.post(reverse("billing:receipt_email", args=[issued.pk]), follow=True)
    assert "This client has no email address" in response.text
    assert not ReceiptEmail.objects.exists()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_receipt_and_the_sweep_recovers_a_lost_one(
    workers, outbox, issued, front_desk
):
    issued.client.email = "maria@example.com"
    issued.client.save()
    workers.start()
    first = services.receipt_email_request(invoice=issued, by=front_desk)
    wait_until(
        lambda: ReceiptEmail.objects.filter(pk=first.pk, sent_at__isnull=False).exists(),
        "the worker sends the receipt",
    )
    # A request whose task message was lost: only the sweep can find it.
    lost = ReceiptEmail.objects.create(
        invoice=issued,
        to="maria@example.com",
        requested_at=timezone.now() - timedelta(minutes=5),
        requested_by=front_desk,
        next_attempt_at=timezone.now(),
    )
    assert receipt_emails_sweep() == 1
    wait_until(
        lambda: ReceiptEmail.objects.filter(pk=lost.pk, sent_at__isnull=False).exists(),
        "the swept receipt is sent",
    )
    emails = outbox.emails()
    assert len(emails) == 2
    assert all(e["To"] == "maria@example.com" for e in emails)
    assert all(
        part.get_content_type() == "application/pdf"
        for e in emails
        for part in e.iter_attachments()
    )
