"""Audit trail helpers on top of django-auditlog.

Changes are logged automatically for registered models; reads of clinical
records (charts, intakes, notes) are logged explicitly with `audit_read`.
A service writing several rows at once batches their entries (`audit_batch`).
"""

from contextlib import contextmanager

from auditlog.cid import get_cid
from auditlog.context import disable_auditlog
from auditlog.diff import model_instance_diff
from auditlog.models import DEFAULT_OBJECT_REPR, LogEntry
from auditlog.signals import accessed
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import router
from django.db.models.signals import pre_save
from django.utils.encoding import smart_str


def audit_read(instance) -> None:
    """Record that the current user (from AuditlogMiddleware) opened `instance`."""
    accessed.send(instance.__class__, instance=instance)


def audit_entries():
    """Newest first, with the actor and model loaded in the same query."""
    return LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")


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
