from celery import current_app, shared_task
from django.conf import settings

from . import receipts, services


def _pdf(invoice) -> bytes:
    return receipts.receipt_pdf(invoice, base_url=settings.RELIEF_BASE_URL)


@shared_task(acks_late=True)
def send_receipt_email(receipt_email_id: int) -> bool:
    """Email one receipt; a failure is kept on its row and the sweep retries it."""
    return services.receipt_email_send(pk=receipt_email_id, build_pdf=_pdf)


@shared_task
def receipt_emails_sweep() -> int:
    """Queue again every receipt whose send was lost or failed and is due."""
    due = services.receipt_emails_due()
    for pk in due:
        current_app.send_task(services.SEND_RECEIPT_TASK, args=[pk])
    return len(due)
