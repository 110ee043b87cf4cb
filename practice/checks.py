from django.conf import settings
from django.core.checks import Warning, register


@register()
def broker_configured(app_configs, **kwargs):
    errors = []
    if not settings.DEBUG and settings.CELERY_BROKER_URL.startswith("filesystem://"):
        errors.append(
            Warning(
                "CELERY_BROKER_URL is not set: reminders use the development file broker.",
                hint="Set CELERY_BROKER_URL=redis://... in production.",
                id="relief.W001",
            )
        )
    return errors
