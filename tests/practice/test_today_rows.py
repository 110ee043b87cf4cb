"""Today's rows are written by `{% today_rows %}` in Python for speed: the markup
must stay what `practice/_today_row.html` renders (the template stays the reference)."""

from decimal import Decimal
from uuid import uuid4

import pytest
from django.template.loader import render_to_string
from django.test.html import parse_html

from billing.selectors import DayListBilling
from practice.templatetags.today_rows import _link_maker, row_html
from tests.practice.test_calendar_blocks import _entry

BILLS = {
    "none": None,
    "nothing yet": DayListBilling(),
    "draft": DayListBilling(invoice_id=uuid4(), invoice_number=1041, invoice_draft=True),
    "due": DayListBilling(
        invoice_id=uuid4(), invoice_number=1042, due=Decimal("85.50"), client_owes=Decimal("85.50")
    ),
    "paid, owes elsewhere": DayListBilling(
        invoice_id=uuid4(), invoice_number=12345, client_owes=Decimal("1234.05")
    ),
}


@pytest.mark.parametrize("bill", BILLS)
@pytest.mark.parametrize("status", ["booked", "checked_in", "completed"])
@pytest.mark.parametrize("own_only,show_location", [(False, False), (True, True)])
@pytest.mark.parametrize("name_zones", [True, False])
def test_a_today_row_is_the_reference_markup(bill, status, own_only, show_location, name_zones):
    entry = _entry(
        status=status, red_flags=status == "booked", room_name="" if own_only else "Garden"
    )
    bill = BILLS[bill]
    links = {
        "invoice_url": _link_maker("billing:invoice"),
        "checkout_url": _link_maker("billing:checkout"),
    }
    fast = row_html(
        entry,
        bill,
        own_only=own_only,
        show_location=show_location,
        currency="USD",
        name_zones=name_zones,
        links=links,
    )
    reference = render_to_string(
        "practice/_today_row.html",
        {
            "appt": entry,
            "bill": bill,
            "own_only": own_only,
            "show_location": show_location,
            "currency": "USD",
            "name_zones": name_zones,
        },
    )
    assert parse_html(fast) == parse_html(reference)
    assert "&lt;Olsen&gt;" in fast
    if bill and (bill.invoice_draft or bill.due):
        assert f'href="/billing/invoices/{bill.invoice_id}/"' in fast
    if bill and bill.client_owes > bill.due:
        assert "Owes $1,234.05 in all" in fast
