"""A calendar column's appointment blocks as one fragment.

A busy day calendar holds a hundred or more blocks; the template loop spent
most of the page's render time on a dozen variable lookups and a tag call per
block. `practice/_calendar_entry.html` is the reference markup (tests compare).
"""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from practice import availability
from practice.templatetags.local_time import _name_zones

register = template.Library()


def entry_html(block, *, movable, show_therapist, hide_room, name_zones) -> str:
    a = block.item
    local = a.starts_at.astimezone(availability.zone(a.time_zone))
    clock = f"{local:%H:%M}{availability.zone_label(local, name_zone=name_zones)}"
    esc = conditional_escape
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


@register.simple_tag(takes_context=True)
def entry_blocks(context, column, show_therapist=False, hide_room=False):
    movable = context.get("movable") or ()
    name_zones = _name_zones(context)
    return mark_safe(  # noqa: S308 -- entry_html escapes every value
        "\n".join(
            entry_html(
                block,
                movable=movable,
                show_therapist=show_therapist,
                hide_room=hide_room,
                name_zones=name_zones,
            )
            for block in column.entries
        )
    )
