from django.shortcuts import get_object_or_404

from sessions.models import SessionNote

from .models import PracticeExport


def exports_recent(limit: int = 10):
    return PracticeExport.objects.select_related("requested_by", "last_downloaded_by")[:limit]


def export_get(export_id) -> PracticeExport:
    return get_object_or_404(
        PracticeExport.objects.select_related("requested_by", "last_downloaded_by"), pk=export_id
    )


def export_active():
    return PracticeExport.objects.filter(status__in=PracticeExport.ACTIVE_STATUSES).first()


def signed_note_count() -> int:
    return SessionNote.objects.filter(status=SessionNote.Status.SIGNED).count()
