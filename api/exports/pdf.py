"""Signed session notes as PDF, rendered with WeasyPrint as billing's receipts are.

Only signed notes: a draft is not yet a clinical record, and a PDF of it would
outlive the edits still to come.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from clients.models import Score
from sessions.models import SessionNote, TechniqueApplication

PAIN_CONTEXTS = {"pre_session": "before", "post_session": "after"}


def signed_notes() -> QuerySet:
    """Signed notes with everything their PDF shows; prefetches run once per chunk."""
    return (
        SessionNote.objects.filter(status=SessionNote.Status.SIGNED)
        .select_related(
            "client",
            "therapist",
            "signed_by",
            "appointment__service",
            "appointment__location",
        )
        .prefetch_related(
            Prefetch(
                "techniques",
                queryset=TechniqueApplication.objects.select_related("technique").order_by("pk"),
            ),
            "amendments__author",
            Prefetch(
                "appointment__scores",
                queryset=Score.objects.filter(
                    instrument=Score.Instrument.PAIN_NRS, context__in=list(PAIN_CONTEXTS)
                ),
            ),
        )
        .order_by("pk")
    )


def note_context(note) -> dict:
    appointment = note.appointment
    zone = ZoneInfo(appointment.location.time_zone)
    pain = {PAIN_CONTEXTS[s.context]: s.value for s in appointment.scores.all()}
    return {
        "note": note,
        "appointment": appointment,
        "client": note.client,
        "therapist": note.therapist,
        "practice_name": settings.RELIEF_PRACTICE_NAME,
        "service_date": timezone.localtime(appointment.starts_at, zone),
        "signed_at": timezone.localtime(note.signed_at, zone),
        "time_zone": zone.key,
        "pain": pain,
        "techniques": list(note.techniques.all()),
        "amendments": list(note.amendments.all()),
    }


def note_pdf(note, *, base_url: str = "") -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which no other page needs.
    from weasyprint import HTML

    if not note.is_signed:
        raise ValueError("Only signed notes are exported as PDF.")
    html = render_to_string("api/exports/note.html", note_context(note))
    return HTML(string=html, base_url=base_url or None).write_pdf()
