"""Times on the clock of the location they belong to.

`{% local_time appointment.starts_at appointment.location.time_zone "DATETIME_FORMAT" %}`
formats an instant as read at that location, whatever zone is active, and
adds the zone's abbreviation ("10:00 BST") where a reader needs it: when the
practice has locations in more than one zone, and in the hour the clocks go
back, which the clock shows twice. `{% local_span start end zone %}` is
"10:00–11:00 BST".

Whether zones are named comes from the `name_zones` context variable (the
`time_zones` context processor), or is looked up for a template rendered
without a request.
"""

from django import template
from django.utils import dateformat, formats

from practice import availability
from practice.timezones import several_zones_in_use

register = template.Library()


def _name_zones(context) -> bool:
    flag = context.get("name_zones")
    return bool(several_zones_in_use() if flag is None else flag)


def _parts(value, time_zone: str, fmt: str, name_zone: bool) -> tuple[str, str]:
    local = value.astimezone(availability.zone(time_zone))
    # A setting name ("DATETIME_FORMAT") means the project's one style for it.
    fmt = formats.get_format(fmt) if fmt.endswith("_FORMAT") else fmt
    # "H:i" (the clock on every list row) needs no locale: dateformat's
    # general path was a tenth of a busy Today page's CPU time.
    text = f"{local:%H:%M}" if fmt == "H:i" else dateformat.format(local, fmt)
    return text, availability.zone_label(local, name_zone=name_zone)


@register.simple_tag(takes_context=True)
def local_time(context, value, time_zone, fmt="H:i"):
    if value is None:
        return ""
    text, label = _parts(value, time_zone, fmt, _name_zones(context))
    return f"{text}{label}"


@register.simple_tag(takes_context=True)
def local_span(context, start, end, time_zone, fmt="H:i"):
    """Start and end on one clock; the zone once at the end when both share it."""
    name_zone = _name_zones(context)
    start_text, start_label = _parts(start, time_zone, fmt, name_zone)
    end_text, end_label = _parts(end, time_zone, fmt, name_zone)
    if start_label == end_label:
        start_label = ""
    return f"{start_text}{start_label}–{end_text}{end_label}"
