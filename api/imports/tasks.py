"""The hourly clean-up of imports left open (celery beat)."""

from celery import shared_task

from . import services


@shared_task(soft_time_limit=50, time_limit=55)
def import_batches_expire() -> int:
    """Close imports opened more than a day ago and drop their files."""
    return services.import_batches_expire()
