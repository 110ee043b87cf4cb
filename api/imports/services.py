"""CSV import of clients and future appointments: upload, dry run, confirm.

Nothing reaches the practice's records until the owner confirms. The dry run
of clients validates every row in Python and asks the database for
duplicates in a few set-based queries; the dry run of appointments books each
row through `appointment_book` (working hours, time off, clashes with existing
bookings and with earlier rows of the file) inside a transaction that is then
rolled back, so it refuses exactly what the booking service refuses.

Confirming writes every row that passed the dry run, in one transaction. If
the practice changed in between (a slot was booked, a client added) and a row
that passed no longer does, nothing is written and the new dry run is shown:
what the owner confirmed is exactly what is imported.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.utils import timezone

from practice.services import RETRYABLE_SQLSTATES

from . import appointment_rows, client_rows, csvfile, fields
from .models import ImportBatch
from .rows import Cells, Outcome

LIFETIME = timedelta(days=1)
# Appointment rows are booked one by one through the booking service (seven
# queries a row, 30-60 ms on a busy 2-core machine), and the dry run and the
# confirm each run inside the request: 250 rows stay well under a worker's
# 30-second timeout (bench/imports.py).
MAX_APPOINTMENT_ROWS = 250


class ImportChanged(Exception):
    """Confirming found rows that no longer pass; nothing was written."""

    def __init__(self, batch: ImportBatch):
        super().__init__("The practice changed since the dry run.")
        self.batch = batch


# --- upload and mapping ------------------------------------------------------


def import_batch_upload(*, raw: bytes, file_name: str, kind: str, by, now=None) -> ImportBatch:
    """Read an uploaded file (encoding, delimiter, header, rows) and guess its columns.

    Raises ValidationError when the file cannot be read; nothing is stored then.
    """
    now = now or timezone.now()
    if kind not in ImportBatch.Kind.values:
        raise ValidationError("Choose what the file holds.")
    if len(raw) > csvfile.MAX_BYTES:
        raise ValidationError(f"The file is larger than {csvfile.MAX_BYTES // 2**20} MB.")
    try:
        text, encoding = csvfile.decode(raw)
        delimiter = csvfile.sniff_delimiter(text)
        table = csvfile.read_table(text, delimiter)
    except csvfile.CsvProblem as exc:
        raise ValidationError(str(exc)) from exc
    if kind == ImportBatch.Kind.APPOINTMENTS and len(table.rows) > MAX_APPOINTMENT_ROWS:
        raise ValidationError(
            f"The file has {len(table.rows):,} appointments; import at most "
            f"{MAX_APPOINTMENT_ROWS:,} at a time (split it by month)."
        )
    mapping = csvfile.guess_mapping(table.headers, fields.synonyms_of(kind))
    date_column = mapping.get("date" if kind == ImportBatch.Kind.APPOINTMENTS else "date_of_birth")
    samples = [cells.get(date_column, "") for _, cells in table.rows[:200]] if date_column else []
    batch = ImportBatch(
        kind=kind,
        file_name=(file_name or "upload.csv")[:200],
        encoding=encoding,
        delimiter=delimiter,
        content=text,
        headers=table.headers,
        row_count=len(table.rows),
        mapping=mapping,
        date_order=csvfile.guess_date_order(samples),
        created_by=by,
        expires_at=now + LIFETIME,
    )
    batch.full_clean()
    batch.save()
    return batch


def table_of(batch: ImportBatch) -> csvfile.Table:
    return csvfile.read_table(batch.content, batch.delimiter)


def _checked_mapping(batch: ImportBatch, mapping: dict, date_order: str) -> dict:
    mapping = {k: v for k, v in mapping.items() if v}
    unknown_fields = set(mapping) - {f.key for f in fields.fields_of(batch.kind)}
    unknown_columns = set(mapping.values()) - set(batch.headers)
    if unknown_fields or unknown_columns or date_order not in csvfile.DATE_ORDERS:
        raise ValidationError("Choose the columns from the list.")
    problems = fields.mapping_problems(batch.kind, mapping)
    if problems:
        raise ValidationError(problems)
    return mapping


CLOSED_MESSAGES = {
    ImportBatch.Status.CONFIRMED: "This file has been imported already.",
    ImportBatch.Status.ABANDONED: "This import was abandoned; upload the file again.",
    ImportBatch.Status.EXPIRED: "This upload has expired. Upload the file again.",
}


def _require_open(batch: ImportBatch, now) -> None:
    if batch.status in ImportBatch.OPEN and batch.expires_at <= now:
        raise ValidationError("This upload has expired. Upload the file again.", code="expired")
    if batch.status not in ImportBatch.OPEN:
        raise ValidationError(CLOSED_MESSAGES[batch.status], code="closed")


def import_batch_check(*, batch: ImportBatch, mapping: dict, date_order: str, by, now=None):
    """Store the column mapping and run the dry run; nothing is written but the batch."""
    now = now or timezone.now()
    _require_open(batch, now)
    mapping = _checked_mapping(batch, mapping, date_order)
    batch.mapping, batch.date_order = mapping, date_order
    outcome = _run(batch, by=by, now=now, commit=False)
    return _store_dry_run(batch, outcome, now)


def _store_dry_run(batch: ImportBatch, outcome: Outcome, now) -> ImportBatch:
    batch.errors = outcome.errors
    batch.valid_rows = outcome.valid_rows
    batch.preview = outcome.preview
    batch.checked_at = now
    batch.status = ImportBatch.Status.CHECKED
    batch.save()
    return batch


def import_batch_confirm(*, batch: ImportBatch, by, now=None) -> ImportBatch:
    """Write every row that passed the dry run, in one transaction.

    Raises ImportChanged (with the new dry run stored) when a row that passed
    no longer does; ValidationError when the import is not open or has no rows.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            # Locked: a second click, or a second owner, waits and then finds it closed.
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            _require_open(locked, now)
            if locked.status != ImportBatch.Status.CHECKED:
                raise ValidationError("Run the dry run first.")
            if not locked.valid_rows:
                raise ValidationError("No row passed the dry run: there is nothing to import.")
            expected = list(locked.valid_rows)
            outcome = _run(locked, by=by, now=now, commit=True)
            if outcome.valid_rows != expected:
                raise ImportChanged(locked)
            locked.created_ids = outcome.created_ids
            _close(locked, ImportBatch.Status.CONFIRMED, by, now)
    except OperationalError as exc:
        # A deadlock with a desk booking the same therapist: the whole import
        # was rolled back, and confirming again is safe.
        if getattr(exc.__cause__, "pgcode", None) not in RETRYABLE_SQLSTATES:
            raise
        raise ValidationError(
            "Someone was booking at the same moment, so nothing was imported. Confirm again."
        ) from exc
    except ImportChanged:
        # Everything above was rolled back; the fresh dry run shows why.
        fresh = ImportBatch.objects.get(pk=batch.pk)
        fresh = _store_dry_run(fresh, _run(fresh, by=by, now=now, commit=False), now)
        raise ImportChanged(fresh) from None
    return locked


def import_batch_abandon(*, batch: ImportBatch, by, now=None) -> ImportBatch:
    """Drop an open import: the file's text goes, nothing else was written."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status not in ImportBatch.OPEN:
            raise ValidationError(CLOSED_MESSAGES[locked.status])
        _close(locked, ImportBatch.Status.ABANDONED, by, now)
    return locked


def import_batches_expire(*, now=None) -> int:
    """Close open imports older than a day and drop their files (the hourly task)."""
    now = now or timezone.now()
    expired = 0
    for batch in ImportBatch.objects.filter(status__in=ImportBatch.OPEN, expires_at__lte=now):
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status in ImportBatch.OPEN:
                _close(locked, ImportBatch.Status.EXPIRED, None, now)
                expired += 1
    return expired


def _close(batch: ImportBatch, status, by, now) -> None:
    # The file and the rows' details are personal data: kept only while open.
    batch.status = status
    batch.content = ""
    batch.errors = []
    batch.preview = []
    batch.closed_at = now
    batch.closed_by = by
    batch.save()


def _run(batch: ImportBatch, *, by, now, commit: bool) -> Outcome:
    table = table_of(batch)
    cells_of = Cells(batch.mapping)
    with transaction.atomic():
        if batch.kind == ImportBatch.Kind.CLIENTS:
            outcome = client_rows.run(table, cells_of, batch.date_order, by=by, commit=commit)
        else:
            outcome = appointment_rows.run(table, cells_of, batch.date_order, by=by, now=now)
        if not commit:
            # The dry run booked through the real service; none of it stays.
            transaction.set_rollback(True)
    return outcome
