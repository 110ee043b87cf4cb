import uuid

from django.db import models


class PortalCode(models.Model):
    """One sign-in code (and its emailed link) sent to a client's email or phone.

    Neither the six-digit code nor the link token is stored: only an HMAC of
    the code (keyed with SECRET_KEY and salted with the row id, so a leaked
    table cannot be brute-forced over the million codes without the key) and
    the SHA-256 of the link token.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="portal_codes"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # The normalised address the client typed (lower-case email or E.164 phone):
    # the code page checks codes sent there, whatever the record says since.
    sent_to = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=64, editable=False)
    link_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A link token names one code; an SMS code has no link.
            models.UniqueConstraint(
                fields=["link_hash"],
                condition=~models.Q(link_hash=""),
                name="portalcode_link_hash_unique",
            ),
        ]
        indexes = [
            # The code page: the live codes sent to one address.
            models.Index(fields=["sent_to", "-created_at"], name="portalcode_sent_to_recent"),
        ]

    def __str__(self):
        return f"Portal code for {self.client_id} ({self.created_at:%Y-%m-%d %H:%M})"
