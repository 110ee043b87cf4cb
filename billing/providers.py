"""Where card money is taken, pluggable like the SMS backends.

Set RELIEF_PAYMENT_PROVIDER to a dotted path. The built-in InPersonProvider
takes nothing itself: the desk took the money (cash, the card terminal's own
slip, a transfer) and Relief records it. A provider for online card payments
subclasses BasePaymentProvider; Relief never sees or stores a card number,
only the provider's reference for the charge.

    class MyProvider(BasePaymentProvider):
        name = "myprovider"
        methods = frozenset({"card_terminal"})

        def take(self, *, invoice, amount, method, reference):
            charge = my_api.capture(amount=amount, currency=invoice.currency,
                                    idempotency_key=reference)
            return ProviderResult(reference=charge.id)

        def refund(self, *, payment, amount):
            my_api.refund(charge=payment.reference, amount=amount)

`take` runs inside the transaction that records the payment, after the
invoice is locked and the amount checked against what is due; if it raises,
nothing is recorded. `refund` runs the same way for a refund.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.module_loading import import_string


class PaymentRefused(Exception):
    """The provider declined: the message is shown to the desk as is."""


@dataclass(frozen=True)
class ProviderResult:
    # The provider's id for the charge (or the desk's slip number in person).
    reference: str


class BasePaymentProvider:
    name = ""
    # The payment methods this provider takes; the others are recorded in person.
    methods: frozenset[str] = frozenset()

    def take(self, *, invoice, amount: Decimal, method: str, reference: str) -> ProviderResult:
        raise NotImplementedError

    def refund(self, *, payment, amount: Decimal) -> None:
        raise NotImplementedError


class InPersonProvider(BasePaymentProvider):
    """Records what the desk took; no money moves through Relief."""

    name = "in_person"

    def take(self, *, invoice, amount, method, reference):
        return ProviderResult(reference=reference)

    def refund(self, *, payment, amount):
        return None


IN_PERSON = InPersonProvider()


def provider_for(method: str) -> BasePaymentProvider:
    """The configured provider when it takes `method`, else the desk's own record."""
    configured = get_provider()
    return configured if method in configured.methods else IN_PERSON


def provider_named(name: str) -> BasePaymentProvider:
    """The provider that took a payment, to refund through it."""
    if name == IN_PERSON.name:
        return IN_PERSON
    configured = get_provider()
    if configured.name != name:
        # Recording a refund nobody made would leave the client unpaid.
        raise PaymentRefused(
            f"This payment was taken through {name}, which is no longer set up: "
            "refund it there, then record the refund as a credit line."
        )
    return configured


def get_provider() -> BasePaymentProvider:
    return import_string(settings.RELIEF_PAYMENT_PROVIDER)()
