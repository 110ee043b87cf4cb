from celery import shared_task

from . import services


@shared_task(bind=True, max_retries=5, acks_late=True)
def send_intake_link(self, link_id: str, base_url: str) -> bool:
    """Email an intake link; retried with backoff, the last error kept on the link."""
    try:
        return services.intake_link_send(link_id=link_id, base_url=base_url)
    except Exception as exc:
        services.intake_link_failed(link_id=link_id, error=repr(exc))
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 1800)) from exc
