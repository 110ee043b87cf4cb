"""The owner saves time off over a booking: the page lists it and asks first."""

import pytest

from practice.models import TimeOff
from tests.factories import PASSWORD, AppointmentFactory, ClientFactory
from tests.practice.scheduling_world import local_at, local_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_time_off_over_a_booking_lists_it_and_saves_once_confirmed(
    page, owner, therapist, location
):
    day = local_day(location, 4)
    AppointmentFactory(
        client=ClientFactory(first_name="Maria", last_name="Gonzalez"),
        therapist=therapist,
        location=location,
        starts_at=local_at(location, day, 10),
    )
    page.goto("/")
    page.get_by_label("Username").fill(owner.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/setup/time-off/")
    page.get_by_label("Therapist").select_option(label="Dana Reyes")
    page.get_by_label("From").fill(f"{day:%Y-%m-%d}T09:00")
    page.get_by_label("Until").fill(f"{day:%Y-%m-%d}T13:00")
    page.get_by_label("Reason").fill("Course")
    page.get_by_role("button", name="Add", exact=True).click()

    box = page.locator("#covered-bookings")
    box.get_by_text("This time off covers 1 booking").wait_for()
    assert "Maria G." in box.inner_text() and "10:00" in box.inner_text()
    assert not TimeOff.objects.exists()
    box.get_by_role("button", name="Save the time off and keep the bookings").click()
    page.get_by_text("Time off added.").wait_for()
    assert TimeOff.objects.get().reason == "Course"
    assert page.console_watch.problems == []
