from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        from auditlog.registry import auditlog

        from . import checks  # noqa: F401 - registers the system checks
        from .models import (
            GiftCard,
            GiftCardEntry,
            Invoice,
            InvoiceLine,
            PackageCredit,
            PackageProduct,
            PackagePurchase,
            Payment,
            Refund,
        )

        for model in (
            Invoice,
            InvoiceLine,
            Payment,
            Refund,
            PackageProduct,
            PackagePurchase,
            PackageCredit,
            GiftCardEntry,
        ):
            auditlog.register(model)
        # Who sold which card, never its code's hash.
        auditlog.register(GiftCard, exclude_fields=["code_hash"])
