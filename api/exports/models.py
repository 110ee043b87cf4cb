import uuid

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models import Q

__all__ = ["PracticeExport"]


class PracticeExport(models.Model):
    """One export of the whole practice: its progress, its file and who fetched it.

    The zip lives under RELIEF_EXPORT_DIR until `expires_at`; then the file is
    deleted and the row stays as the record that it existed.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Building"
        READY = "ready", "Ready to download"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired (file deleted)"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    # Signed notes as PDF take most of a large practice's build (WeasyPrint,
    # tens of milliseconds a note), so the owner may leave them out.
    include_pdfs = models.BooleanField(default=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Progress: what is being written now, and rows written out of rows to write.
    step = models.CharField(max_length=120, blank=True)
    rows_done = models.PositiveBigIntegerField(default=0)
    rows_total = models.PositiveBigIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    # Rows per zip member, so the owner can check the file against the practice.
    counts = models.JSONField(default=dict, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    downloads = models.PositiveIntegerField(default=0)
    last_downloaded_at = models.DateTimeField(null=True, blank=True)
    last_downloaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rows_done__lte=models.F("rows_total")) | Q(rows_total=0),
                name="export_progress_within_total",
            ),
            # One export builds at a time: a second click or a second owner
            # waits for the first instead of doubling the load.
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status__in=["queued", "running"]),
                name="export_one_active",
            ),
        ]

    def __str__(self):
        return f"Practice export of {self.requested_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def is_active(self):
        return self.status in self.ACTIVE_STATUSES

    @property
    def percent(self) -> int:
        if self.status == self.Status.READY:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    def downloadable(self, now) -> bool:
        return (
            self.status == self.Status.READY
            and self.expires_at is not None
            and now < self.expires_at
        )


# Who started an export (create) and every state change; downloads are logged as reads.
auditlog.register(PracticeExport, exclude_fields=["rows_done", "step"])
