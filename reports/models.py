"""The reports app reads; its one table is the front desk's working note on the recall list."""

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.utils import timezone

NOTE_LENGTH = 200


class RecallContact(models.Model):
    """Someone at the desk reached out (or tried) to a client due for a visit.

    It marks the client on the recall list while they stay due: a contact
    from before their latest visit belongs to an earlier lapse and is ignored.
    """

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="recall_contacts"
    )
    contacted_at = models.DateTimeField(default=timezone.now)
    contacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.CharField(max_length=NOTE_LENGTH, blank=True)

    class Meta:
        indexes = [
            # The recall list's "latest contact of this client" probe, once per due client.
            models.Index(fields=["client", "-contacted_at"], name="recall_contact_latest"),
        ]

    def __str__(self):
        return f"Recall contact {self.contacted_at:%Y-%m-%d}"


auditlog.register(RecallContact)
