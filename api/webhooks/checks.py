from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def local_http_allowed(app_configs, **kwargs):
    if settings.RELIEF_WEBHOOK_ALLOW_LOCAL_HTTP and not settings.DEBUG:
        return [
            checks.Warning(
                "RELIEF_WEBHOOK_ALLOW_LOCAL_HTTP is on: webhooks may be sent over plain "
                "http to this machine.",
                hint="Leave it off in production; it is for development and tests.",
                id="relief.W201",
            )
        ]
    return []
