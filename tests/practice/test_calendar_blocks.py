"""Calendar blocks, columns and column heads are written in Python for speed;
the markup stays the reference templates' (`practice/_calendar_entry.html`,
`_calendar_column.html`, `_calendar_head.html`)."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from django.template.loader import render_to_string
from django.test.html import parse_html

from practice.calendar import Block, Column, Grid
from practice.selectors import AppointmentEntry
from practice.templatetags.calendar_blocks import calendar_heads, column_html, entry_html


def _entry(**changes):
    values = {
        "pk": uuid4(),
        "url": "/appointments/x/",
        "status": "booked",
        "status_label": "Booked",
        "starts_at": datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # 01:30 EDT, shown twice that night
        "ends_at": datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
        "therapist_id": 1,
        "room_id": 2,
        "late_cancel": False,
        "client_name": 'Peggy "P" <Olsen>',
        "red_flags": True,
        "service_name": "60 min deep tissue & more",
        "therapist_name": "Dana Lee, LMT",
        "room_name": "Garden",
        "location_name": "Downtown",
        "time_zone": "America/New_York",
        "therapist_colour": "#2e7d32",
    }
    values.update(changes)
    return AppointmentEntry(**values)


@pytest.mark.parametrize("movable", [True, False])
@pytest.mark.parametrize("show_therapist,hide_room", [(False, False), (True, True)])
@pytest.mark.parametrize("label", ["", "During time off"])
@pytest.mark.parametrize("name_zones", [True, False])
def test_a_block_is_the_reference_markup(movable, show_therapist, hide_room, label, name_zones):
    entry = _entry(red_flags=not movable, room_name="" if label else "Garden")
    block = Block(row=3, span=4, item=entry, label=label)
    ids = {entry.pk} if movable else set()
    fast = entry_html(
        block,
        movable=ids,
        show_therapist=show_therapist,
        hide_room=hide_room,
        name_zones=name_zones,
    )
    reference = render_to_string(
        "practice/_calendar_entry.html",
        {
            "block": block,
            "movable": ids,
            "show_therapist": show_therapist,
            "hide_room": hide_room,
            "name_zones": name_zones,
        },
    )
    assert parse_html(fast) == parse_html(reference)
    assert "&lt;Olsen&gt;" in fast


def _column(key=7, day=None):
    entries = [
        Block(row=3, span=4, item=_entry()),
        Block(row=9, span=2, item=_entry(), label="Off"),
    ]
    return Column(
        key=key,
        label='Dana "D" <Lee>',
        colour="#2e7d32",
        day=day,
        entries=entries,
        work=[Block(row=1, span=16), Block(row=21, span=12)],
        off=[Block(row=17, span=4, label="Dentist & <lunch>")],
    )


@pytest.mark.parametrize("day_columns,book_on_click", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("movable", [True, False])
@pytest.mark.parametrize("key", [7, 12345])
def test_a_column_is_the_reference_markup(day_columns, book_on_click, movable, key):
    column = _column(key=key)
    grid = Grid(first_hour=8, last_hour=19, columns=[column])
    ids = {column.entries[0].item.pk} if movable else set()
    fast = column_html(
        column,
        end_position=grid.end_position,
        day_columns=day_columns,
        book_on_click=book_on_click,
        movable=ids,
        show_therapist=True,
        hide_room=False,
        name_zones=False,
    )
    reference = render_to_string(
        "practice/_calendar_column.html",
        {
            "column": column,
            "grid": grid,
            "day_columns": day_columns,
            "book_on_click": book_on_click,
            "movable": ids,
            "show_therapist": True,
            "hide_room": False,
            "name_zones": False,
        },
    )
    assert parse_html(fast) == parse_html(reference)
    assert "Off: Dentist &amp; &lt;lunch&gt;" in fast


@pytest.mark.parametrize("day_links", [True, False])
def test_column_heads_are_the_reference_markup(day_links):
    columns = [_column(day=date(2026, 3, 8)), _column(day=None)]
    grid = Grid(first_hour=8, last_hour=19, columns=columns)
    fast = calendar_heads(grid, day_links)
    reference = "".join(
        render_to_string("practice/_calendar_head.html", {"column": c, "day_links": day_links})
        for c in columns
    )
    assert parse_html(fast) == parse_html(reference)
    assert ("?date=2026-03-08" in fast) is day_links
