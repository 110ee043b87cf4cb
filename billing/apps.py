from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import Invoice, InvoiceLine, Payment, Refund

        for model in (Invoice, InvoiceLine, Payment, Refund):
            auditlog.register(model)
