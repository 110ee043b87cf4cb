"""The day calendar as a scheduler: click an empty time to book it, drag an
appointment (or move it with the keyboard) to another time or therapist."""

import re

import pytest

from practice.models import Appointment
from tests.factories import PASSWORD, AppointmentFactory, ClientFactory, ServiceFactory
from tests.practice.scheduling_world import local_at, local_day, works_every_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, username):
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def clinic_day(therapist, other_therapist, location):
    service = ServiceFactory(name="60 min deep tissue", needs_room=False)
    for person in (therapist, other_therapist):
        person.services.add(service)
        works_every_day(person, location)
    day = local_day(location, 3)
    appointment = AppointmentFactory(
        client=ClientFactory(first_name="Maria", last_name="Gonzalez"),
        therapist=therapist,
        service=service,
        location=location,
        starts_at=local_at(location, day, 10),
    )
    return {"day": day, "service": service, "appointment": appointment}


def _column(page, therapist):
    return page.locator(f'.cal-col[data-therapist="{therapist.pk}"]')


def _row_y(column, row):
    """The y offset inside a column of the middle of grid row `row` (15 minutes each)."""
    height = column.evaluate("el => parseFloat(getComputedStyle(el).gridAutoRows)")
    return (row - 1) * height + height / 2


def _row(hour, minute=0):
    return (hour - 8) * 4 + minute // 15 + 1  # the grid starts at 08:00


def test_click_an_empty_time_opens_the_booking_form_on_it(page, front_desk, clinic_day, therapist):
    day = clinic_day["day"]
    _sign_in(page, front_desk.username)
    page.goto(f"/calendar/?date={day:%Y-%m-%d}")
    column = _column(page, therapist)
    column.click(position={"x": 30, "y": _row_y(column, _row(14))})

    page.get_by_role("heading", name="Book an appointment").wait_for()
    assert "time=14%3A00" in page.url or "time=14:00" in page.url
    assert page.get_by_label("Therapist").input_value() == str(therapist.pk)
    assert page.get_by_label("From").input_value() == day.isoformat()
    assert page.locator("#slot-picker").get_by_text(re.compile(r"Wanted: .*14:00")).is_visible()
    # Choosing the service lists the free times with the clicked one chosen.
    page.get_by_label("Service").select_option(label="60 min deep tissue")
    chosen = page.locator("#slot-picker input[name=slot]:checked")
    chosen.wait_for(state="attached")
    assert (
        page.locator(f"label[for='{chosen.get_attribute('id')}']").inner_text().startswith("14:00")
    )

    # The keyboard way: a focused column, arrow keys, Enter.
    page.goto(f"/calendar/?date={day:%Y-%m-%d}")
    column = _column(page, therapist)
    column.focus()
    for _ in range(2):
        page.keyboard.press("ArrowDown")
    assert "08:30" in page.locator("#calendar-live").inner_text()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Book an appointment").wait_for()
    assert "time=08%3A30" in page.url
    assert page.console_watch.problems == []


def test_drag_an_appointment_to_another_therapist_and_time_then_onto_a_clash(
    page, front_desk, clinic_day, therapist, other_therapist, location
):
    day, appointment = clinic_day["day"], clinic_day["appointment"]
    AppointmentFactory(
        client=ClientFactory(first_name="Ken", last_name="Ito"),
        therapist=other_therapist,
        service=clinic_day["service"],
        location=location,
        starts_at=local_at(location, day, 16),
    )
    _sign_in(page, front_desk.username)
    page.goto(f"/calendar/?date={day:%Y-%m-%d}")
    url = page.url

    def drag(entry, column, row):
        box = entry.bounding_box()
        page.mouse.move(box["x"] + 20, box["y"] + 5)
        page.mouse.down()
        target = column.bounding_box()
        # Grabbed in its first row, so that row lands on the row aimed at.
        page.mouse.move(target["x"] + 30, target["y"] + _row_y(column, row), steps=8)
        assert page.locator(".cal-target").count() == 1
        page.mouse.up()

    entry = page.locator(".cal-entry", has_text="Maria Gonzalez")
    drag(entry, _column(page, other_therapist), _row(13))
    page.locator("#move-result").get_by_text("Moved Maria G. to 13:00 with Sam Okafor").wait_for()
    appointment.refresh_from_db()
    assert appointment.therapist == other_therapist
    assert appointment.starts_at == local_at(location, day, 13)
    moved = _column(page, other_therapist).locator(".cal-entry", has_text="Maria Gonzalez")
    assert "13:00" in moved.inner_text()
    assert page.url == url  # a move is not a page of its own

    # Onto Ken's 16:00: refused with the reason, and left where it was.
    drag(moved, _column(page, other_therapist), _row(15, 30))
    page.locator("#move-result").get_by_text(
        re.compile("Not moved: Sam Okafor is already booked")
    ).wait_for()
    appointment.refresh_from_db()
    assert appointment.starts_at == local_at(location, day, 13)
    assert page.console_watch.problems == []


def test_keyboard_move_with_m_arrows_and_enter(
    page, front_desk, clinic_day, therapist, other_therapist, location
):
    day, appointment = clinic_day["day"], clinic_day["appointment"]
    _sign_in(page, front_desk.username)
    page.goto(f"/calendar/?date={day:%Y-%m-%d}")
    entry = page.locator(".cal-entry", has_text="Maria Gonzalez")
    live = page.locator("#calendar-live")

    # Escape leaves it where it is.
    entry.focus()
    page.keyboard.press("m")
    assert "Moving Maria Gonzalez" in live.inner_text()
    page.keyboard.press("ArrowDown")
    assert page.locator(".cal-target").count() == 1
    page.keyboard.press("Escape")
    assert live.inner_text() == "Move cancelled."
    assert page.locator(".cal-target").count() == 0

    entry.focus()
    page.keyboard.press("m")
    for _ in range(6):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    assert live.inner_text() == "To 11:30, Sam Okafor."
    page.keyboard.press("Enter")
    page.locator("#move-result").get_by_text("Moved Maria G. to 11:30 with Sam Okafor").wait_for()
    appointment.refresh_from_db()
    assert appointment.therapist == other_therapist
    assert appointment.starts_at == local_at(location, day, 11, 30)
    # Focus is back on the appointment, in its new column.
    # (the focus moves once the swapped-in columns are in place, after the message)
    page.wait_for_function(
        "id => document.activeElement && document.activeElement.dataset.appointment === id",
        arg=str(appointment.pk),
        timeout=5000,
    )
    assert Appointment.objects.count() == 1
    assert page.console_watch.problems == []
