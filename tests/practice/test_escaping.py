"""`escape_value` writes what Django's `conditional_escape` writes."""

from decimal import Decimal

import pytest
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from practice.templatetags.escaping import escape_value

VALUES = [
    "",
    'Peggy O\'Neil & <Sons> "quoted"',
    "plain",
    "naïve · 60 min",
    mark_safe("<b>already safe</b>"),
    format_html("<i>{}</i>", "<x>"),
    gettext_lazy("Booked <now>"),
    42,
    Decimal("12.50"),
    None,
]


@pytest.mark.parametrize("value", VALUES)
def test_same_characters_as_conditional_escape(value):
    assert escape_value(value) == str(conditional_escape(value))
