"""Today's list of appointments as one fragment.

The desk's Today lists a location's whole day (a hundred rows and more); the
template loop spent most of the page's time on some twenty variable lookups
and tag calls per row. `practice/_today_row.html` is the reference markup
(tests compare).
"""

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import mark_safe

from billing.money import format_money
from practice.templatetags.escaping import escape_value
from practice.templatetags.local_time import _name_zones, local_span

register = template.Library()

_BUTTON = '<a class="btn btn-sm btn-outline-success position-relative z-2" href="{}">'


def _link_maker(name):
    # One reverse(), then the key dropped in: a URL per row was a tenth of the row.
    marker = "00000000-0000-0000-0000-000000000000"
    head, _, tail = reverse(name, args=[marker]).partition(marker)
    return lambda key: f"{head}{key}{tail}"


def _money_html(appt, bill, *, currency, invoice_url, checkout_url) -> str:
    esc = escape_value
    name = esc(appt.client_name)
    out = ['<div class="d-flex flex-wrap gap-2 mt-1 small today-money">']
    if bill.invoice_id:
        href = esc(invoice_url(bill.invoice_id))
        if bill.invoice_draft:
            out.append(
                f"{_BUTTON.format(href)}Finish checkout"
                f'<span class="visually-hidden"> for {name}</span></a>'
            )
        elif bill.due:
            due = esc(format_money(bill.due, currency, settings.RELIEF_LOCALE))
            out.append(
                f"{_BUTTON.format(href)}Take payment: {due} due"
                f'<span class="visually-hidden"> from {name}</span></a>'
            )
        else:
            number = esc(localize(bill.invoice_number))
            out.append(f'<span class="badge text-bg-success">Paid · invoice {number}</span>')
    elif appt.status in ("checked_in", "completed"):
        href = esc(checkout_url(appt.pk))
        out.append(
            f'{_BUTTON.format(href)}Checkout<span class="visually-hidden"> {name}</span></a>'
        )
    if bill.client_owes > bill.due:
        owes = esc(format_money(bill.client_owes, currency, settings.RELIEF_LOCALE))
        out.append(
            f'<span class="badge text-bg-warning" data-client-owes>Owes {owes} in all</span>'
        )
    out.append("</div>")
    return "".join(out)


def row_html(appt, bill, *, own_only, show_location, currency, name_zones, links) -> str:
    esc = escape_value
    url = esc(appt.url)
    span = esc(local_span({"name_zones": name_zones}, appt.starts_at, appt.ends_at, appt.time_zone))
    flag = (
        f'<a class="badge badge-red-flag position-relative z-2" href="{url}#red-flags">'
        "Review before treating</a>"
        if appt.red_flags
        else ""
    )
    side = []
    if not own_only:
        side.append(f'<span class="me-2">{esc(appt.therapist_name)}</span>')
    if appt.room_name:
        side.append(f'<span class="me-2">{esc(appt.room_name)}</span>')
    if show_location:
        side.append(f'<span class="me-2">{esc(appt.location_name)}</span>')
    side.append(f'<span class="badge text-bg-light border">{esc(appt.status_label)}</span>')
    money = _money_html(appt, bill, currency=currency, **links) if bill else ""
    return (
        f'<li class="list-group-item position-relative status-{esc(appt.status)}">'
        '<div class="d-flex flex-wrap justify-content-between gap-2"><div>'
        f'<a class="stretched-link text-reset text-decoration-none" href="{url}">'
        f"<strong>{span}</strong> {esc(appt.client_name)}</a> {flag} "
        f'<span class="text-body-secondary">· {esc(appt.service_name)}</span></div>'
        f"<div>{' '.join(side)}</div></div>{money}</li>"
    )


@register.simple_tag(takes_context=True)
def today_rows(context, rows):
    """Every (appointment entry, billing or None) row of Today's list."""
    settings_for_rows = {
        "own_only": context.get("own_only"),
        "show_location": context.get("show_location"),
        "currency": context.get("currency") or settings.RELIEF_CURRENCY,
        "name_zones": _name_zones(context),
        "links": {
            "invoice_url": _link_maker("billing:invoice"),
            "checkout_url": _link_maker("billing:checkout"),
        },
    }
    return mark_safe(  # noqa: S308 -- row_html escapes every value
        "\n".join(row_html(appt, bill, **settings_for_rows) for appt, bill in rows)
    )
