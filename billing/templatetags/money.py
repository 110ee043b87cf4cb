from django import template
from django.conf import settings

from billing.money import format_money

register = template.Library()


@register.filter
def money(amount, currency=None):
    """An amount in the practice's currency, formatted for its locale ("$1,234.50")."""
    if amount is None or amount == "":
        return ""
    return format_money(amount, currency or settings.RELIEF_CURRENCY, settings.RELIEF_LOCALE)
