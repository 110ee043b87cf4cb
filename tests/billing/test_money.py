"""Money rules: Decimal to the cent, rounded half up, totals that add up."""

from decimal import Decimal

import pytest

from billing import money


def test_amounts_are_decimals_to_the_cent_rounded_half_up():
    assert money.to_money("10.005") == Decimal("10.01")
    assert money.to_money("10.004") == Decimal("10.00")
    assert money.to_money(Decimal("-2.345")) == Decimal("-2.35")
    assert money.to_money(7) == Decimal("7.00")


@pytest.mark.parametrize("value", [0.1, "abc", "NaN", "Infinity", None])
def test_floats_and_non_numbers_are_not_money(value):
    with pytest.raises((TypeError, ValueError)):
        money.to_money(value)


def test_each_line_rounds_its_own_tax():
    assert money.line_amounts(quantity=1, unit_price="95.00", tax_rate="8.875") == (
        Decimal("95.00"),
        Decimal("8.43"),
    )
    assert money.line_amounts(quantity="2.5", unit_price="3.33", tax_rate=0) == (
        Decimal("8.33"),
        Decimal("0.00"),
    )


def test_the_total_is_the_sum_of_what_the_lines_show():
    lines = [
        money.line_amounts(quantity=1, unit_price="0.05", tax_rate="10"),  # tax 0.005 -> 0.01
        money.line_amounts(quantity=1, unit_price="0.05", tax_rate="10"),
        money.line_amounts(quantity=1, unit_price="0.05", tax_rate="10"),
    ]
    totals = money.invoice_totals(lines)
    assert totals == {
        "subtotal": Decimal("0.15"),
        "tax": Decimal("0.03"),
        "total": Decimal("0.18"),
    }


def test_a_three_way_split_adds_up_to_the_cent():
    parts = money.split_evenly(Decimal("100.00"), 3)
    assert parts == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum(parts) == Decimal("100.00")
    assert money.balance_due(total="100.00", paid=sum(parts), refunded=0) == Decimal("0.00")


def test_a_partial_refund_puts_that_much_back_on_the_balance():
    assert money.balance_due(total="120.00", paid="120.00", refunded="20.00") == Decimal("20.00")


def test_amounts_are_shown_in_the_practices_currency_and_locale():
    assert money.format_money(Decimal("1234.5"), "USD", "en_US") == "$1,234.50"
    assert money.format_money(Decimal("1234.5"), "EUR", "de_DE") == "1.234,50\xa0€"


def test_a_zero_is_never_shown_with_a_minus_sign():
    # 0.00 less 0.00 is Decimal("-0.00"), which Babel writes "-$0.00".
    assert money.format_money(Decimal("0.00") - Decimal("0.00"), "USD", "en_US") == "$0.00"
    assert money.format_money(Decimal("-0.00"), "USD", "en_US") == "$0.00"
    assert money.format_money(Decimal("-5"), "USD", "en_US") == "-$5.00"
    assert str(money.deduction("0")) == "0.00"
    assert money.deduction("12.5") == Decimal("-12.50")


def test_an_amount_taken_off_shows_a_minus_only_when_there_is_one():
    from billing.templatetags.money import money_off

    assert money_off(Decimal("10"), "USD") == "−$10.00"
    assert money_off(Decimal("0.00"), "USD") == "$0.00"
    assert money_off(Decimal("-0.00"), "USD") == "$0.00"
    assert money_off(None) == ""
