from celery import shared_task

from . import selectors
from .outcomes import note_outcomes_rebuild


@shared_task
def note_outcomes_rebuild_nightly() -> int:
    """Rebuild the pain-outcome summary from scratch (the services keep it current)."""
    return note_outcomes_rebuild()


@shared_task
def charting_backlog_badge_refresh(therapist_id: int | None) -> int:
    """Count a charting badge again, off the request that found it stale."""
    return selectors.charting_backlog_badge_refresh(therapist_id=therapist_id)
