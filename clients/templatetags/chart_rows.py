"""The chart's appointment lists as fragments.

A template loop spent some 180 µs a row (a dozen rows were a third of the
chart's template time) on its lookups, `{% local_time %}`, `{% url %}` and
`{% csrf_token %}`. `clients/_chart_upcoming.html` and
`clients/_chart_past.html` are the reference markup of a row (tests compare).
"""

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaulttags import CsrfTokenNode
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from practice.templatetags.escaping import escape_value
from practice.templatetags.local_time import _name_zones, local_time
from practice.templatetags.today_rows import _link_maker

register = template.Library()

# Each row as the template loop wrote it: its own indentation around it.
_ROW = "\n      {}\n      "


def _when(appt, name_zones) -> str:
    return escape_value(
        local_time({"name_zones": name_zones}, appt.starts_at, appt.time_zone, "DATETIME_FORMAT")
    )


def upcoming_html(appt, *, name_zones, check_in_url, csrf_input, path) -> str:
    esc = escape_value
    if appt.checked_in_at:
        checked_in = esc(date_filter(template_localtime(appt.checked_in_at), "TIME_FORMAT"))
        action = f'<span class="badge text-bg-success">Checked in {checked_in}</span>'
    else:
        action = (
            f'<form method="post" action="{esc(check_in_url(appt.pk))}">{csrf_input}'
            f'<input type="hidden" name="next" value="{esc(path)}">'
            '<button type="submit" class="btn btn-sm btn-outline-primary">'
            "Check in on this tablet</button></form>"
        )
    return (
        '<li class="list-group-item px-0 d-flex flex-wrap justify-content-between '
        'align-items-center gap-2">\n'
        f"        <span>{_when(appt, name_zones)} · {esc(appt.service_name)} with "
        f"{esc(appt.therapist_name)}</span>\n"
        f"        {action}\n"
        "      </li>"
    )


def past_html(appt, *, name_zones, detail_url) -> str:
    esc = escape_value
    late = " (late)" if appt.late_cancel else ""
    return (
        '<li class="list-group-item px-0 d-flex flex-wrap justify-content-between gap-2 '
        f'status-{esc(appt.status)} ps-2">\n'
        f'        <a href="{esc(detail_url(appt.pk))}">{_when(appt, name_zones)} · '
        f"{esc(appt.service_name)} with {esc(appt.therapist_name)}</a>\n"
        f'        <span class="badge text-bg-light border">{esc(appt.status_label)}{late}</span>\n'
        "      </li>"
    )


@register.simple_tag(takes_context=True)
def chart_upcoming_rows(context, appointments):
    """The chart's next appointments (ChartAppointment rows), each with its check-in."""
    options = {
        "name_zones": _name_zones(context),
        "check_in_url": _link_maker("clients:checkin_staff"),
        "csrf_input": CsrfTokenNode().render(context),
        "path": getattr(context.get("request"), "path", ""),
    }
    return mark_safe(  # noqa: S308 -- upcoming_html escapes every value
        "".join(_ROW.format(upcoming_html(appt, **options)) for appt in appointments)
    )


@register.simple_tag(takes_context=True)
def chart_past_rows(context, appointments):
    """The chart's recent appointments (ChartAppointment rows), each linking to its page."""
    options = {
        "name_zones": _name_zones(context),
        "detail_url": _link_maker("practice:appointment_detail"),
    }
    return mark_safe(  # noqa: S308 -- past_html escapes every value
        "".join(_ROW.format(past_html(appt, **options)) for appt in appointments)
    )
