from django import template
from django.conf import settings

from billing.money import format_money, to_money

register = template.Library()


@register.filter
def money(amount, currency=None):
    """An amount in the practice's currency, formatted for its locale ("$1,234.50")."""
    if amount is None or amount == "":
        return ""
    return format_money(amount, currency or settings.RELIEF_CURRENCY, settings.RELIEF_LOCALE)


@register.filter
def money_off(amount, currency=None):
    """An amount taken off, such as the day's refunds: "−$10.00"; nothing taken
    off is "$0.00", with no minus sign."""
    if amount is None or amount == "":
        return ""
    amount = to_money(amount)
    shown = money(abs(amount), currency)
    return f"−{shown}" if amount else shown
