"""A calendar's column heads, columns and appointment blocks as fragments.

A busy day calendar holds a hundred or more blocks in twenty columns; the
template loops spent most of the page's render time on a dozen variable
lookups and a tag call per block, and on the column and head loops around
them. `practice/_calendar_entry.html`, `_calendar_column.html` and
`_calendar_head.html` are the reference markup (tests compare).
"""

from django import template
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import mark_safe

from practice import availability
from practice.templatetags.escaping import escape_value
from practice.templatetags.local_time import _name_zones

register = template.Library()


def entry_html(block, *, movable, show_therapist, hide_room, name_zones) -> str:
    a = block.item
    local = a.starts_at.astimezone(availability.zone(a.time_zone))
    clock = f"{local:%H:%M}{availability.zone_label(local, name_zone=name_zones)}"
    esc = escape_value
    classes = f"cal-entry status-{esc(a.status)} {block.colour_class} {block.position}"
    if block.label:
        classes += " cal-entry-off"
    drag = ""
    if a.pk in movable:
        drag = (
            f' data-movable data-appointment="{a.pk}" data-client="{esc(a.client_name)}"'
            ' draggable="false" aria-keyshortcuts="M" aria-describedby="cal-move-hint"'
        )
    badge = f'<span class="badge text-bg-warning">{esc(block.label)}</span>' if block.label else ""
    flag = '<span class="badge badge-red-flag">Review before treating</span>' if a.red_flags else ""
    detail = esc(a.service_name)
    if show_therapist:
        detail += f" · {esc(a.therapist_name)}"
    if a.room_name and not hide_room:
        detail += f" · {esc(a.room_name)}"
    return (
        f'<a class="{classes}" href="{esc(a.url)}"{drag}>{badge}'
        f"<strong>{clock}</strong> {esc(a.client_name)} {flag}"
        f'<br><span class="text-body-secondary">{detail}</span>'
        f'<span class="visually-hidden">, {esc(a.status_label)}</span></a>'
    )


def _blocks_html(column, *, movable, show_therapist, hide_room, name_zones) -> str:
    return "\n".join(
        entry_html(
            block,
            movable=movable,
            show_therapist=show_therapist,
            hide_room=hide_room,
            name_zones=name_zones,
        )
        for block in column.entries
    )


@register.simple_tag(takes_context=True)
def entry_blocks(context, column, show_therapist=False, hide_room=False):
    return mark_safe(  # noqa: S308 -- entry_html escapes every value
        _blocks_html(
            column,
            movable=context.get("movable") or (),
            show_therapist=show_therapist,
            hide_room=hide_room,
            name_zones=_name_zones(context),
        )
    )


def column_html(column, *, end_position, day_columns, book_on_click, **blocks) -> str:
    esc = escape_value
    data = ""
    if day_columns:
        data = f' data-therapist="{esc(localize(column.key))}"'
        if book_on_click:
            data += ' aria-describedby="cal-book-hint"'
    work = "".join(
        f'<div class="cal-work {block.position}" aria-hidden="true"></div>' for block in column.work
    )
    off = "".join(
        f'<div class="cal-off {block.position}">Off: {esc(block.label)}</div>'
        for block in column.off
    )
    return (
        f'<div class="cal-col" role="group" aria-label="{esc(column.label)}"{data}>'
        f"{work}{off}{_blocks_html(column, **blocks)}"
        f'<div class="cal-end {end_position}"></div></div>'
    )


@register.simple_tag(takes_context=True)
def calendar_columns(context, grid, show_therapist=False, hide_room=False):
    """Every column of `grid`, with its working hours, time off and appointments."""
    settings_for_columns = {
        "end_position": grid.end_position,
        "day_columns": context.get("day_columns"),
        "book_on_click": context.get("book_on_click"),
        "movable": context.get("movable") or (),
        "show_therapist": show_therapist,
        "hide_room": hide_room,
        "name_zones": _name_zones(context),
    }
    return mark_safe(  # noqa: S308 -- column_html escapes every value
        "\n".join(column_html(column, **settings_for_columns) for column in grid.columns)
    )


def head_html(column, *, day_url) -> str:
    esc = escape_value
    label = esc(column.label)
    if day_url is not None:
        day = f"{column.day:%Y-%m-%d}" if column.day else ""
        label = f'<a href="{esc(day_url)}?date={day}">{label}</a>'
    return f'<div class="{column.colour_class}">{label}</div>'


@register.simple_tag
def calendar_heads(grid, day_links=False):
    """The column heads of `grid`; with `day_links`, each links to its day."""
    day_url = reverse("practice:calendar_day") if day_links else None
    return mark_safe(  # noqa: S308 -- head_html escapes every value
        "\n".join(head_html(column, day_url=day_url) for column in grid.columns)
    )
