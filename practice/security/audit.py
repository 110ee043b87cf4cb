"""Audit trail helpers on top of django-auditlog.

Changes are logged automatically for registered models; reads of clinical
records (charts, intakes, notes) are logged explicitly with `audit_read`.
A service writing several rows at once batches their entries (`audit_batch`).
"""

import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC

from auditlog.cid import get_cid
from auditlog.context import disable_auditlog
from auditlog.diff import model_instance_diff
from auditlog.models import DEFAULT_OBJECT_REPR, LogEntry
from auditlog.signals import accessed
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import connections, router
from django.db.models import DateTimeField
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.encoding import smart_str
from django.utils.formats import date_format

# One correlation id per request (AUDITLOG_CID_GETTER reads it), so every
# entry of one page view shares it, and the reads already logged in it.
_request_cid: ContextVar[str | None] = ContextVar("relief_audit_cid", default=None)
_reads_logged: ContextVar[set | None] = ContextVar("relief_audit_reads", default=None)


def request_started() -> None:
    """Called once per request (AuditRequestMiddleware): a fresh id, no reads yet."""
    _request_cid.set(uuid.uuid4().hex)
    _reads_logged.set(set())


def current_cid() -> str | None:
    return _request_cid.get()


def reads_to_log(instances) -> list:
    """Those of `instances` not yet recorded as read in this page view.

    A page that shows a record twice (a note in the history and its chart
    summary, a partial rendered with its page) is still one read.
    """
    return [
        instance
        for instance in instances
        if _first_read(instance._meta.label_lower, str(instance.pk))
    ]


def _first_read(label: str, pk: str) -> bool:
    """True once per record and page view (and always outside a request)."""
    logged = _reads_logged.get()
    if logged is None:
        return True
    if (label, pk) in logged:
        return False
    logged.add((label, pk))
    return True


def audit_read(instance) -> None:
    """Record that the current user (from AuditlogMiddleware) opened `instance`, once per view."""
    if reads_to_log([instance]):
        with read_record_commit():
            accessed.send(instance.__class__, instance=instance)


# The columns a read's entry sets; the others stay NULL, as they were when
# these entries were LogEntry objects written by bulk_create.
_READ_COLUMNS = (
    "content_type",
    "object_pk",
    "object_repr",
    "action",
    "actor",
    "remote_addr",
    "timestamp",
    "changes_text",
    "cid",
)


def audit_reads_by_pk(model, pks, *, actor, remote_addr=None) -> None:
    """Record reads of several of `model`'s records (a list of the REST API) in
    one INSERT, skipping those already recorded in this request.

    The records are named by key, so a list read as plain rows needs no model
    instance, and no LogEntry object is built per entry (100 of them cost a
    page of notes more than its query did). Every value but the key is the same
    for all rows, so each is prepared once, and the entry is the same as
    audit_read's. On PostgreSQL the keys go as one array (`unnest`) beside the
    shared values; elsewhere the statement is the multi-row INSERT
    bulk_create would send.
    """
    label = model._meta.label_lower
    fresh = [key for key in map(str, pks) if _first_read(label, key)]
    if not fresh:
        return
    connection = connections[router.db_for_write(LogEntry)]
    fields = [LogEntry._meta.get_field(name) for name in _READ_COLUMNS]
    shared = {
        "content_type": ContentType.objects.get_for_model(model).pk,
        "action": LogEntry.Action.ACCESS,
        "actor": actor.pk if actor.is_authenticated else None,
        "remote_addr": remote_addr,
        "timestamp": timezone.now(),
        "changes_text": "",
        "cid": get_cid(),
    }
    prepared = {
        field.name: field.get_db_prep_save(shared[field.name], connection)
        for field in fields
        if field.name in shared
    }
    insert = _insert_reads_as_array if connection.vendor == "postgresql" else _insert_reads_as_rows
    with read_record_commit(), connection.cursor() as cursor:
        insert(cursor, fields, prepared, fresh)


def _insert_reads_as_rows(cursor, fields, prepared, keys) -> None:
    """The read entries of `keys` as multi-row INSERTs (bulk_create's statement);
    `prepared` holds every column's value but the key's."""
    connection = cursor.db
    batch = max(1, connection.ops.bulk_batch_size(fields, keys))
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    for start in range(0, len(keys), batch):
        chunk = keys[start : start + batch]
        params = []
        for key in chunk:
            # The record's key is also its representation.
            params += [prepared.get(field.name, key) for field in fields]
        cursor.execute(
            _insert_into(connection, fields) + f"VALUES {', '.join([row] * len(chunk))}", params
        )


def _insert_reads_as_array(cursor, fields, prepared, keys) -> None:
    """The same entries with the keys as one array (PostgreSQL): nine
    parameters per entry cost more to quote here and to parse there than the
    rows cost to write (100 entries: 14 ms, 1.5 ms of CPU; as an array 8.5 and
    0.45, on a loaded machine)."""
    values = ", ".join("%s" if field.name in prepared else "key" for field in fields)
    cursor.execute(
        _insert_into(cursor.db, fields) + f"SELECT {values} FROM unnest(%s::text[]) AS key",  # noqa: S608
        [prepared[field.name] for field in fields if field.name in prepared] + [list(keys)],
    )


def _insert_into(connection, fields) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    return f"INSERT INTO {quote(LogEntry._meta.db_table)} ({columns}) "


def audit_entries():
    """Newest first, with the actor and model loaded in the same query."""
    return LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")


# Models whose changed values are clinical text: shown masked on the audit log
# until the owner reveals an entry (a POST, itself recorded). Fields listed in
# UNMASKED are bookkeeping and stay visible.
CLINICAL_MODELS = {
    "clients.intake",
    "clients.checkin",
    "clients.redflagclearance",
    "treatment_sessions.sessionnote",
    "treatment_sessions.noteamendment",
    "treatment_sessions.techniqueapplication",
    "treatment_sessions.treatmentplan",
    "treatment_sessions.goal",
}
UNMASKED = {
    "id",
    "client",
    "therapist",
    "appointment",
    "note",
    "plan",
    "link",
    "status",
    "version",
    "how",
    "submitted_at",
    "submitted_by",
    "signed_at",
    "signed_by",
    "created_at",
    "updated_at",
    "consent_version",
}


def _is_clinical(entry) -> bool:
    return f"{entry.content_type.app_label}.{entry.content_type.model}" in CLINICAL_MODELS


def _shown(value, field):
    """A stored change value as people read it: instants on the practice's clock."""
    if value in (None, "None", ""):
        return None
    if isinstance(field, DateTimeField):
        moment = parse_datetime(str(value))
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, UTC)  # auditlog writes UTC
            return date_format(timezone.localtime(moment), "Y-m-d H:i T")
    return value


def audit_rows(entries, *, revealed=frozenset()):
    """What the audit log shows per entry: each change from what to what, masked or not."""
    rows = []
    for entry in entries:
        clinical = _is_clinical(entry) and entry.pk not in revealed
        model = entry.content_type.model_class()
        changes = []
        for name, values in (entry.changes_dict or {}).items():
            old, new = [*values, None, None][:2] if isinstance(values, list) else (None, values)
            try:
                field = model._meta.get_field(name) if model is not None else None
            except FieldDoesNotExist:
                field = None
            changes.append(
                {
                    "field": name,
                    "old": _shown(old, field),
                    "new": _shown(new, field),
                    "masked": clinical and name not in UNMASKED,
                }
            )
        rows.append(
            {
                "entry": entry,
                "changes": changes,
                "maskable": any(c["masked"] for c in changes),
            }
        )
    return rows


def audit_reveal(*, entry: LogEntry) -> LogEntry:
    """Record that the current user (AuditlogMiddleware) read an entry's masked values."""
    reveal = LogEntry(
        content_type=entry.content_type,
        object_pk=entry.object_pk,
        object_id=entry.object_id,
        object_repr=entry.object_repr,
        action=LogEntry.Action.ACCESS,
        changes_text="",
        cid=get_cid(),
        additional_data={"revealed_audit_entry": entry.pk},
    )
    reveal.save()
    return reveal


def audit_list_export(*, model, label: str, count: int, filters: dict) -> LogEntry:
    """Record that the current user downloaded a list of `model` records (a CSV).

    One entry for the download, not one per row: the entry names the list,
    how many records it held and the filters that chose them.
    """
    entry = LogEntry(
        content_type=ContentType.objects.get_for_model(model),
        object_pk=label,
        object_repr=f"{label} ({count} records)",
        action=LogEntry.Action.ACCESS,
        changes_text="",
        cid=get_cid(),
        additional_data={"export": label, "count": count, "filters": filters},
    )
    entry.save()
    return entry


class AuditBatch:
    """The audit entries of several writes, inserted in one query by `write`.

    auditlog writes each entry with its own INSERT, and reads the stored row
    again before an update to work out what changed. A service that writes
    several rows does the writes through this object instead: each write runs
    with auditlog's own entry switched off, and the entry auditlog would have
    written (content type, representation, changes, actor, remote address,
    correlation id) is kept for one bulk INSERT. For an update the caller
    hands over the stored row it already read (under lock), so nothing is
    read twice. auditlog is off only around each write, which must touch
    that one row (no cascades, no saves of other audited rows inside).
    """

    def __init__(self):
        self.entries: list[LogEntry] = []

    def save(self, instance, *, old=None, update_fields=None):
        """Insert or update `instance`; an update needs `old`, the row as stored."""
        adding = instance._state.adding
        if not adding:
            if old is None:
                raise ValueError("An audited update needs the stored row to compare with.")
            # Compared before saving, as auditlog does: fields the save itself
            # fills in (auto_now) are not reported as changes.
            self._add(instance, LogEntry.Action.UPDATE, old, instance, fields=update_fields)
        with disable_auditlog():
            instance.save(update_fields=update_fields)
        if adding:
            self._add(instance, LogEntry.Action.CREATE, None, instance)
        return instance

    def bulk_create(self, model, rows):
        """Insert `rows` in one query; each gets its creation entry."""
        rows = model.objects.bulk_create(rows)
        for row in rows:
            self._add(row, LogEntry.Action.CREATE, None, row)
        return rows

    def delete(self, instance):
        # Recorded first: the deletion clears the instance's primary key.
        self._add(instance, LogEntry.Action.DELETE, instance, None)
        with disable_auditlog():
            instance.delete()

    def _add(self, instance, action, old, new, fields=None):
        changes = model_instance_diff(
            old,
            new,
            fields_to_check=fields,
            use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
        )
        if not changes:
            return  # auditlog skips an update that changed nothing, too
        try:
            representation = smart_str(instance)
        except ObjectDoesNotExist:
            representation = DEFAULT_OBJECT_REPR
        get_additional_data = getattr(instance, "get_additional_data", None)
        entry = LogEntry(
            content_type=ContentType.objects.get_for_model(instance),
            object_pk=instance.pk,
            object_id=instance.pk if isinstance(instance.pk, int) else None,
            object_repr=representation,
            serialized_data=LogEntry.objects._get_serialized_data_or_none(instance),
            action=action,
            changes=changes,
            cid=get_cid(),
            additional_data=get_additional_data() if callable(get_additional_data) else None,
        )
        # bulk_create sends no signals: send the pre_save through which
        # AuditlogMiddleware stamps every entry with the actor and address.
        pre_save.send(
            LogEntry,
            instance=entry,
            raw=False,
            using=router.db_for_write(LogEntry),
            update_fields=None,
        )
        self.entries.append(entry)

    def write(self):
        if self.entries:
            LogEntry.objects.bulk_create(self.entries)
            self.entries = []


@contextmanager
def audit_batch():
    """An AuditBatch whose entries are inserted when the block ends without error.

    Use it inside the writes' transaction, so rows and entries commit together.
    """
    batch = AuditBatch()
    yield batch
    batch.write()


@contextmanager
def read_record_commit():
    """Commit a read record without waiting for its WAL flush (PostgreSQL).

    A chart answered only once its read record was on disk: under checkpoint
    I/O that flush took up to a second (the chain bench's chart p95 902 ms at
    p50 49). A crash of the database server may now lose the last fraction
    of a second of read records, never a change (changes commit as before)
    and never consistency. Inside a caller's transaction nothing changes:
    its writes keep their durability."""
    connection = connections[router.db_for_write(LogEntry)]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.execute_wrapper(_commit_without_flush):
        yield


def _commit_without_flush(execute, sql, params, many, context):
    # One query string is one implicit transaction in PostgreSQL, so the
    # setting holds for this INSERT's own commit, and costs no round trip.
    if sql.startswith("INSERT"):
        sql = f"SET LOCAL synchronous_commit TO OFF; {sql}"
    return execute(sql, params, many, context)
