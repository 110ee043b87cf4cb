from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Open data"

    def ready(self):
        from auditlog.registry import auditlog

        from api.webhooks import checks  # noqa: F401  (registers the system checks)
        from api.webhooks.models import WebhookEndpoint

        # Who registered, changed, rotated or deleted an endpoint; never its secrets.
        auditlog.register(WebhookEndpoint, exclude_fields=["secret", "previous_secret"])
