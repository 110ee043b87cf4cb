from celery import shared_task
from django.conf import settings

from . import services


# A full build runs for minutes (hours with many PDFs), far past the default
# limits; it is never retried, because a redelivered message finds the row no
# longer queued and does nothing.
@shared_task(
    time_limit=settings.RELIEF_EXPORT_TIME_LIMIT_SECONDS,
    soft_time_limit=settings.RELIEF_EXPORT_TIME_LIMIT_SECONDS - 60,
)
def export_build(export_id, base_url=""):
    services.export_run(export_id=export_id, base_url=base_url)


@shared_task
def exports_expire():
    return services.exports_expire()
