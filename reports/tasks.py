from celery import shared_task

from .visits import client_visits_refresh


@shared_task
def client_visits_rebuild_nightly() -> int:
    """Repair the visit summary client by client (triggers on appointments keep it current)."""
    return client_visits_refresh()
