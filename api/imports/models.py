import uuid

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models

__all__ = ["ImportBatch"]


class ImportBatch(models.Model):
    """One uploaded CSV file on its way in: mapped, dry-run, then confirmed or abandoned.

    The file's text is kept only while the import is open: confirming,
    abandoning or expiring (a day after upload) empties `content`, the dry
    run's row details and the preview, and keeps the bookkeeping (who, when,
    how many rows, what was created) for the audit trail.
    """

    class Kind(models.TextChoices):
        CLIENTS = "clients", "Clients"
        APPOINTMENTS = "appointments", "Future appointments"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Columns to match"
        CHECKED = "checked", "Dry run done"
        CONFIRMED = "confirmed", "Imported"
        ABANDONED = "abandoned", "Abandoned"
        EXPIRED = "expired", "Expired"

    OPEN = (Status.UPLOADED, Status.CHECKED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UPLOADED)
    file_name = models.CharField(max_length=200)
    encoding = models.CharField(max_length=40)
    delimiter = models.CharField(max_length=1)
    # The decoded text of the file, emptied once the import is closed.
    content = models.TextField(blank=True)
    headers = models.JSONField(default=list, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    # Relief field -> column of the file, and how the file writes its dates.
    mapping = models.JSONField(default=dict, blank=True)
    date_order = models.CharField(max_length=3, default="ymd")
    # The dry run: every row error ({"row", "message"}), the rows that pass,
    # and a short description of each of those (what confirming will write).
    errors = models.JSONField(default=list, blank=True)
    valid_rows = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # What confirming wrote: {"clients": [ids]} or {"appointments": [ids]}.
    created_ids = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        app_label = "api"
        ordering = ["-created_at"]
        indexes = [
            # The hourly purge: open imports whose day is over.
            models.Index(
                fields=["expires_at"],
                condition=models.Q(status__in=["uploaded", "checked"]),
                name="importbatch_open_expiry",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} from {self.file_name}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


# Status changes are audited with their actor; the file and the rows' details
# are personal data and stay out of the trail.
auditlog.register(
    ImportBatch, exclude_fields=["content", "errors", "valid_rows", "preview", "created_ids"]
)
