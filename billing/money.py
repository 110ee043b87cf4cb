"""Money arithmetic: Decimal with two places, rounded half up, and its display.

Pure functions over plain values (no models), unit-tested per rule. Prices
are entered before tax; each line's tax is rounded on its own, so an
invoice's total is the sum of what its lines show.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import format_currency

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value) -> Decimal:
    """A Decimal rounded to the cent; refuses floats (binary fractions are not money)."""
    if isinstance(value, float):
        raise TypeError("Money is never a float; pass a string or a Decimal.")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValueError(f"Not an amount of money: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"Not an amount of money: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amounts(*, quantity, unit_price, tax_rate) -> tuple[Decimal, Decimal]:
    """(net, tax) of one invoice line; tax_rate in percent (8.875 for 8.875 %)."""
    net = to_money(Decimal(quantity) * Decimal(unit_price))
    tax = to_money(net * Decimal(tax_rate) / 100)
    return net, tax


def invoice_totals(lines) -> dict:
    """Subtotal, tax and total of (net, tax) pairs."""
    subtotal = sum((net for net, _ in lines), ZERO)
    tax = sum((tax for _, tax in lines), ZERO)
    return {"subtotal": subtotal, "tax": tax, "total": subtotal + tax}


def balance_due(*, total, paid, refunded) -> Decimal:
    """What the client still owes: the total less payments, plus what was refunded."""
    return to_money(total) - to_money(paid) + to_money(refunded)


def split_evenly(total, parts: int) -> list[Decimal]:
    """`total` in `parts` payments that add up to the cent (the first take the spare cents)."""
    if parts < 1:
        raise ValueError("At least one part.")
    cents = int(to_money(total) / CENT)
    base, spare = divmod(cents, parts)
    return [(Decimal(base + (1 if i < spare else 0)) * CENT) for i in range(parts)]


def fee_amount(policy: str, price) -> Decimal | None:
    """The fee a policy sets for a session at `price`.

    "50%" of the price, a fixed "40.00", or "" for none.
    """
    policy = (policy or "").strip()
    if not policy:
        return None
    if policy.endswith("%"):
        amount = to_money(Decimal(price) * Decimal(policy[:-1].strip()) / 100)
    else:
        amount = to_money(policy)
    return amount if amount > 0 else None


def deduction(amount) -> Decimal:
    """`amount` taken off (a refund in a total), as a negative figure; none
    taken off is 0.00, not -0.00 (which Decimal keeps and Babel shows signed)."""
    amount = to_money(amount)
    return -amount if amount else ZERO


def format_money(amount, currency: str, locale: str) -> str:
    amount = to_money(amount)
    # A zero is never signed: 0.00 less 0.00 is Decimal("-0.00").
    return _formatted(str(amount if amount else ZERO), currency, locale)


@lru_cache(maxsize=4096)
def _formatted(amount: str, currency: str, locale: str) -> str:
    # Babel reads the locale's pattern on every call (about 90 us); a page
    # shows the same few amounts over and over. Keyed on the text, as "1.5"
    # and "1.50" are equal Decimals.
    return format_currency(Decimal(amount), currency, locale=locale)
