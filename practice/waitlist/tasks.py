"""The waitlist's Celery task: thin, the work is in services.waitlist_process."""

from celery import shared_task

from practice.waitlist import services


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=50, time_limit=55)
def waitlist_process():
    """Queued after a commit that freed time, and by beat every minute."""
    return services.waitlist_process()
