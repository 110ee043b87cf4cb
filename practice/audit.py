"""Audit trail helpers on top of django-auditlog.

Changes are logged automatically for registered models; reads of clinical
records (charts, intakes, notes) are logged explicitly with `audit_read`.
"""

from auditlog.models import LogEntry
from auditlog.signals import accessed


def audit_read(instance) -> None:
    """Record that the current user (from AuditlogMiddleware) opened `instance`."""
    accessed.send(instance.__class__, instance=instance)


def audit_entries():
    """Newest first, with the actor and model loaded in the same query."""
    return LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
