"""The audit trail and the sign-in records are read-only in the admin too.

django-auditlog and django-axes register their own admin pages, which let a
superuser delete entries; here they are registered again without add,
change or delete. Lockouts (axes' AccessAttempt) stay deletable: deleting
one is how a locked-out person is let back in.
"""

from auditlog.models import LogEntry
from axes.models import AccessFailureLog, AccessLog
from django.contrib import admin


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _make_read_only(model) -> None:
    current = admin.site._registry.get(model)
    base = type(current) if current is not None else admin.ModelAdmin
    if current is not None:
        admin.site.unregister(model)
    admin.site.register(
        model,
        type(f"ReadOnly{base.__name__}", (ReadOnlyAdminMixin, base), {"__module__": __name__}),
    )


for _model in (LogEntry, AccessLog, AccessFailureLog):
    _make_read_only(_model)
