import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from phonenumber_field.modelfields import PhoneNumberField


class ClientQuerySet(models.QuerySet):
    def current(self):
        return self.filter(archived=False)


class Client(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    first_name = models.CharField("legal first name", max_length=80)
    last_name = models.CharField("legal last name", max_length=80)
    preferred_name = models.CharField(max_length=80, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    email = models.EmailField(blank=True)
    phone = PhoneNumberField(blank=True, region="US")
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_phone = PhoneNumberField(blank=True, region="US")
    consent_email_reminders = models.BooleanField("email reminders", default=True)
    consent_sms_reminders = models.BooleanField("SMS reminders", default=False)
    primary_therapist = models.ForeignKey(
        "practice.Therapist",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="primary_clients",
    )
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            # Client search by name as you type.
            models.Index(Lower("last_name"), Lower("first_name"), name="client_name_lower"),
            models.Index(Lower("email"), name="client_email_lower"),
        ]

    def __str__(self):
        return self.full_name

    @property
    def first_name_to_use(self):
        return self.preferred_name or self.first_name

    @property
    def full_name(self):
        if self.preferred_name and self.preferred_name != self.first_name:
            return f"{self.first_name} “{self.preferred_name}” {self.last_name}"
        return f"{self.first_name} {self.last_name}"
