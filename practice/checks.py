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


@register()
def sms_backend_configured(app_configs, **kwargs):
    """SMS reminders switched on need a backend that imports."""
    from django.core.checks import Error
    from django.utils.module_loading import import_string

    from practice.reminders.outbox import OFFSET_KINDS

    errors = []
    backend = settings.RELIEF_SMS_BACKEND
    if settings.RELIEF_SMS_REMINDERS_ENABLED and not backend:
        errors.append(
            Error(
                "SMS reminders are on but no SMS backend is configured.",
                hint="Set RELIEF_SMS_BACKEND to a backend's dotted path, "
                "or RELIEF_SMS_REMINDERS_ENABLED=0.",
                id="relief.E002",
            )
        )
    elif backend:
        try:
            import_string(backend)
        except ImportError as exc:
            errors.append(Error(f"RELIEF_SMS_BACKEND cannot be imported: {exc}", id="relief.E003"))
    unknown = sorted(set(settings.RELIEF_REMINDER_OFFSETS_HOURS) - set(OFFSET_KINDS))
    if unknown:
        errors.append(
            Warning(
                f"RELIEF_REMINDER_OFFSETS_HOURS has offsets without a reminder kind: {unknown}.",
                hint=f"Supported offsets: {sorted(OFFSET_KINDS)}.",
                id="relief.W004",
            )
        )
    start, end = (*settings.RELIEF_SMS_SENDING_HOURS, None, None)[:2]
    if start is None or end is None or not 0 <= start < end <= 24:
        errors.append(
            Error(
                "RELIEF_SMS_SENDING_HOURS must be two hours like 8-20 (start before end).",
                id="relief.E005",
            )
        )
    return errors


@register(deploy=True)
def reminder_links_base_url(app_configs, **kwargs):
    """Client links in reminders must point at the public site, not localhost."""
    from urllib.parse import urlsplit

    host = urlsplit(settings.RELIEF_BASE_URL).hostname or ""
    if host in {"", "localhost", "127.0.0.1", "::1"}:
        return [
            Warning(
                f"RELIEF_BASE_URL is {settings.RELIEF_BASE_URL!r}: confirm and cancel "
                "links in reminders would not reach clients.",
                hint="Set RELIEF_BASE_URL=https://your-public-host.",
                id="relief.W006",
            )
        ]
    return []


# Backends that never deliver: with them, password resets and reminders only
# reach the server's log or disk.
UNDELIVERED_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
}


@register(deploy=True)
def email_is_delivered(app_configs, **kwargs):
    if not settings.DEBUG and settings.EMAIL_BACKEND in UNDELIVERED_EMAIL_BACKENDS:
        return [
            Warning(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: password resets and reminders "
                "would never reach anyone.",
                hint="Set EMAIL_URL=smtp+tls://user:password@smtp.example.com:587.",
                id="relief.W007",
            )
        ]
    return []


@register()
def twilio_configured(app_configs, **kwargs):
    """The Twilio backend needs its account, token and number, or every SMS fails."""
    from django.core.checks import Error

    if not settings.RELIEF_SMS_BACKEND.endswith("twilio_sms.TwilioBackend"):
        return []
    missing = [
        name
        for name in ("ACCOUNT_SID", "AUTH_TOKEN", "FROM_NUMBER")
        if not getattr(settings, f"RELIEF_TWILIO_{name}")
    ]
    if not missing:
        return []
    return [
        Error(
            "The Twilio SMS backend is set but "
            + ", ".join(f"RELIEF_TWILIO_{name}" for name in missing)
            + " is empty.",
            id="relief.E008",
        )
    ]
