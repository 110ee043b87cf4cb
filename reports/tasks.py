from celery import shared_task

from .visits import client_visits_rebuild


@shared_task
def client_visits_rebuild_nightly() -> int:
    """Rebuild the visit summary from scratch (triggers on appointments keep it current)."""
    return client_visits_rebuild()
