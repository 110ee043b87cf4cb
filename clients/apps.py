from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = "Clients"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import (
            CheckIn,
            CheckInLink,
            Client,
            Intake,
            IntakeLink,
            RedFlagClearance,
            Score,
        )

        auditlog.register(Client)
        auditlog.register(Intake)
        auditlog.register(Score)
        auditlog.register(CheckIn)
        auditlog.register(RedFlagClearance)
        # Token hashes stay out of the audit trail.
        auditlog.register(IntakeLink, exclude_fields=["token_hash"])
        auditlog.register(CheckInLink, exclude_fields=["token_hash"])
