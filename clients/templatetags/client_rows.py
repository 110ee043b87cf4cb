"""A client search's or the client list's rows as fragments.

Twenty rows through the template loop were half of the search's time (two
`{% url %}` and a dozen lookups a row). `clients/_client_result.html` is the
reference markup of a row (tests compare).
"""

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.safestring import mark_safe

from practice.templatetags.escaping import escape_value
from practice.templatetags.today_rows import _link_maker

register = template.Library()

# Each row as the template loop wrote it: its own indentation around it.
_ROW = "\n  {}\n  "


def result_html(client, *, detail_url) -> str:
    """One ClientResult (clients.selectors) as a list item."""
    esc = escape_value
    href = esc(detail_url(client.pk))
    name = f"{esc(client.last_name)}, {esc(client.first_name)}"
    if client.preferred_name and client.preferred_name != client.first_name:
        name += f" “{esc(client.preferred_name)}”"
    archived = '<span class="badge text-bg-secondary">Archived</span>' if client.archived else ""
    flags = (
        f'<a class="badge text-bg-warning" href="{href}#red-flags">Review before treating</a>'
        if client.has_red_flags
        else ""
    )
    born = (
        f"Born {esc(date_filter(client.date_of_birth, 'SHORT_DATE_FORMAT'))} · "
        if client.date_of_birth
        else ""
    )
    phone = f"{esc(client.phone.as_national)} · " if client.phone else ""
    therapist = f" · {esc(client.therapist_name)}" if client.therapist_name else ""
    return (
        '<li class="list-group-item">\n'
        f'    <a class="fw-semibold" href="{href}">{name}</a>\n'
        f"    {archived}\n"
        f"    {flags}\n"
        '    <div class="small text-body-secondary">\n'
        f"      {born}\n"
        f"      {phone}{esc(client.email or 'no email')}\n"
        f"      {therapist}\n"
        "    </div>\n"
        "  </li>"
    )


@register.simple_tag
def client_result_rows(clients):
    """The result list's items, one per ClientResult."""
    options = {"detail_url": _link_maker("clients:detail")}
    return mark_safe(  # noqa: S308 -- result_html escapes every value
        "".join(_ROW.format(result_html(client, **options)) for client in clients)
    )
