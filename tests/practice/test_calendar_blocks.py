"""Calendar blocks are written in Python for speed; the markup stays the
reference template's (`practice/_calendar_entry.html`)."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from django.template.loader import render_to_string
from django.test.html import parse_html

from practice.calendar import Block
from practice.selectors import AppointmentEntry
from practice.templatetags.calendar_blocks import entry_html


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
