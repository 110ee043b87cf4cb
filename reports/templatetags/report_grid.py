import functools
from html import escape

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

# The percentage first (what the eye scans along a row), the hours under it:
# visible on a phone, where there is no pointer for a tooltip.
CELL = (
    '<td class="text-end"><span class="d-block">{}</span>'
    '<small class="d-block text-body-secondary">{} of {} h</small></td>'
)


@register.simple_tag
def grid_cells(cells):
    """A grid row's week cells: one tag per row instead of several lookups per cell.

    A year of therapists and rooms is about 2,700 cells; resolving their parts
    in the template, or through format_html's lazy-aware escaping, cost more
    than the report's queries. The stdlib escape does the same for strings.
    """
    return mark_safe("".join(map(_cell, cells)))  # noqa: S308 -- _cell escapes every value


# A year at the chain is 10,000 cells but a few thousand distinct ones (the
# grid shares one GridCell per figure triple): each is written once.
@functools.lru_cache(maxsize=16384)
def _cell(cell):
    if cell is None:
        return "<td></td>"
    percent = cell.percent if cell.percent == "–" else f"{cell.percent}%"
    return CELL.format(_escaped(percent), _escaped(cell.booked), _escaped(cell.available))


# A year at the chain is 10,000 cells but a few hundred distinct figures
# (hours to the hundredth, percentages to the tenth): each is escaped once.
_escaped = functools.lru_cache(maxsize=4096)(escape)
