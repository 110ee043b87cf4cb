from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Client portal"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import PortalCode

        # The hashes stay out of the audit trail: a trail reader gets no usable code or link.
        auditlog.register(PortalCode, exclude_fields=["code_hash", "link_hash"])
