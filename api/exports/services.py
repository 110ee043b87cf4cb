"""Practice exports: start, build, record downloads, expire.

A build is claimed by moving its row from queued to running under a row lock,
so a message the broker redelivers (acks_late) never builds the same export
twice. The file is deleted when its link expires; the row stays as the record.
"""

import logging
from datetime import timedelta
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from practice.security.audit import audit_read

from .builder import build_export
from .models import PracticeExport

log = logging.getLogger(__name__)

BUILD_TASK = "api.exports.tasks.export_build"


def export_path(export: PracticeExport) -> Path:
    return Path(settings.RELIEF_EXPORT_DIR) / f"{export.pk}.zip"


def download_name(export: PracticeExport) -> str:
    return f"relief-export-{timezone.localtime(export.requested_at):%Y-%m-%d-%H%M}.zip"


def export_start(*, user, base_url: str = "", include_pdfs: bool = True) -> PracticeExport:
    """Queue a new export of the whole practice; refused while another one is building."""
    if PracticeExport.objects.filter(status__in=PracticeExport.ACTIVE_STATUSES).exists():
        raise ValidationError("An export is already being built. Wait for it to finish.")
    try:
        with transaction.atomic():
            export = PracticeExport.objects.create(requested_by=user, include_pdfs=include_pdfs)
    except IntegrityError as exc:  # two clicks at once: the constraint keeps one
        raise ValidationError("An export is already being built. Wait for it to finish.") from exc
    transaction.on_commit(
        lambda: current_app.send_task(BUILD_TASK, args=[str(export.pk), base_url])
    )
    return export


def _claim(export_id) -> PracticeExport | None:
    with transaction.atomic():
        export = PracticeExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status != PracticeExport.Status.QUEUED:
            return None
        export.status = PracticeExport.Status.RUNNING
        export.started_at = timezone.now()
        export.step = "Counting rows"
        export.save(update_fields=["status", "started_at", "step"])
        return export


def export_run(
    *, export_id, base_url: str = "", include_pdfs: bool | None = None
) -> PracticeExport | None:
    """Build a queued export. Returns None when it was not queued (already built or building)."""
    export = _claim(export_id)
    if export is None:
        return None
    path = export_path(export)

    def progress(step, done, total):
        # A plain UPDATE, not save(): the page polls these three columns only.
        PracticeExport.objects.filter(pk=export.pk).update(
            step=step[:120], rows_done=done, rows_total=total
        )

    try:
        counts = build_export(
            path,
            progress=progress,
            include_pdfs=export.include_pdfs if include_pdfs is None else include_pdfs,
            base_url=base_url,
        )
    except Exception as exc:
        log.exception("Practice export %s failed", export.pk)
        export.refresh_from_db()
        export.status = PracticeExport.Status.FAILED
        export.finished_at = timezone.now()
        export.error = f"{type(exc).__name__}: {exc}"[:2000]
        export.save(update_fields=["status", "finished_at", "error"])
        return export
    export.refresh_from_db()
    now = timezone.now()
    export.status = PracticeExport.Status.READY
    export.finished_at = now
    export.step = "Done"
    export.rows_done = export.rows_total = sum(counts.values())
    export.counts = counts
    export.file_name = path.name
    export.size_bytes = path.stat().st_size
    export.expires_at = now + timedelta(hours=settings.RELIEF_EXPORT_LINK_HOURS)
    export.save()
    return export


def export_record_download(*, export: PracticeExport, user) -> None:
    """Who downloaded, when: on the row and as a read in the audit log."""
    # update(), not save(): two downloads at once both count.
    PracticeExport.objects.filter(pk=export.pk).update(
        downloads=F("downloads") + 1, last_downloaded_at=timezone.now(), last_downloaded_by=user
    )
    export.refresh_from_db()
    audit_read(export)


def export_expire(*, export: PracticeExport, now=None) -> None:
    export_path(export).unlink(missing_ok=True)
    export.status = PracticeExport.Status.EXPIRED
    export.deleted_at = now or timezone.now()
    export.save(update_fields=["status", "deleted_at"])


def exports_expire(*, now=None) -> int:
    """Delete the files of exports whose link has expired; fail builds presumed dead."""
    now = now or timezone.now()
    expired = 0
    for export in PracticeExport.objects.filter(
        status=PracticeExport.Status.READY, expires_at__lte=now
    ):
        export_expire(export=export, now=now)
        expired += 1
    stale = now - timedelta(seconds=settings.RELIEF_EXPORT_TIME_LIMIT_SECONDS)
    for export in PracticeExport.objects.filter(
        status=PracticeExport.Status.RUNNING, started_at__lt=stale
    ):
        export.status = PracticeExport.Status.FAILED
        export.finished_at = now
        export.error = "The build stopped (its worker ended) and was given up."
        export.save(update_fields=["status", "finished_at", "error"])
        Path(str(export_path(export)) + ".partial").unlink(missing_ok=True)
    return expired
