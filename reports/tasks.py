from celery import shared_task

from . import outcome_figures
from .visits import client_visits_refresh


@shared_task
def client_visits_rebuild_nightly() -> int:
    """Repair the visit summary client by client (triggers on appointments keep it current)."""
    return client_visits_refresh()


@shared_task
def outcome_figures_refresh(**kwargs) -> bool:
    """Compute the outcomes report's figures again, off the view that found them stale."""
    return outcome_figures.refresh(**kwargs)


@shared_task
def outcome_figures_prune_nightly() -> int:
    """Drop outcome figures too old to be shown."""
    return outcome_figures.prune()
