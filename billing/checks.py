from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string


@register()
def payment_provider_configured(app_configs, **kwargs):
    """A provider that does not import would fail at the first payment."""
    try:
        provider = import_string(settings.RELIEF_PAYMENT_PROVIDER)
    except ImportError as exc:
        return [Error(f"RELIEF_PAYMENT_PROVIDER cannot be imported: {exc}", id="billing.E001")]
    from .providers import BasePaymentProvider

    if not (isinstance(provider, type) and issubclass(provider, BasePaymentProvider)):
        return [
            Error(
                "RELIEF_PAYMENT_PROVIDER must name a BasePaymentProvider subclass.",
                id="billing.E002",
            )
        ]
    return []
