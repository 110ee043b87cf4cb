"""Portal tasks: sign-in codes for online booking, online booking messages,
and the sweep that lets unanswered requests expire."""

from celery import shared_task
from django.conf import settings

from . import services
from .online import messages
from .online import services as online_services


@shared_task(bind=True, max_retries=3, acks_late=True)
def send_portal_code(self, kind: str, address: str, base_url: str) -> None:
    """Send a sign-in code off the request: whether the address is known then
    takes no time the person asking could measure."""
    services.code_request(kind=kind, address=address, base_url=base_url)


@shared_task(bind=True, max_retries=5, acks_late=True)
def send_online_message(self, appointment_id: str, kind: str, base_url: str) -> bool:
    try:
        return messages.online_message_send(
            appointment_id=appointment_id, kind=kind, base_url=base_url
        )
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 1800)) from exc


@shared_task
def online_requests_expire() -> int:
    return online_services.requests_expire(base_url=settings.RELIEF_BASE_URL)
