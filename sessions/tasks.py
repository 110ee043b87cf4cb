from celery import shared_task

from .outcomes import note_outcomes_rebuild


@shared_task
def note_outcomes_rebuild_nightly() -> int:
    """Rebuild the pain-outcome summary from scratch (the services keep it current)."""
    return note_outcomes_rebuild()
