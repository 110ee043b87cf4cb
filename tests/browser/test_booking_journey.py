"""Front desk books a client into a free slot, finds it on the calendar, cancels it."""

import re

import pytest

from practice.models import Appointment
from tests.factories import PASSWORD, ClientFactory, ServiceFactory
from tests.practice.scheduling_world import local_day, works_every_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, username):
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_front_desk_books_any_therapist_sees_it_and_cancels_it(
    page, front_desk, therapist, location
):
    service = ServiceFactory(name="60 min deep tissue", needs_room=False)
    therapist.services.add(service)
    works_every_day(therapist, location)
    ClientFactory(first_name="Maria", last_name="Gonzalez")
    day = local_day(location, 3)

    _sign_in(page, front_desk.username)
    page.get_by_role("link", name="Book", exact=True).first.click()
    assert page.get_by_role("heading", name="Book an appointment").is_visible()

    # Search as you type, then choose the client.
    page.get_by_label("Find a client").fill("Gonz")
    page.get_by_role("radio", name=re.compile("Maria Gonzalez")).check()

    # Service, "any therapist", a day: the slot picker refreshes in place.
    page.get_by_label("Service").select_option(label="60 min deep tissue")
    assert page.get_by_label("Therapist").input_value() == ""
    page.get_by_label("From").fill(day.isoformat())
    first_day = page.locator("#slot-picker fieldset").first
    first_day.get_by_text(day.strftime("%a %-d %b")).wait_for()
    first_day.locator("label", has_text="10:00").click()
    page.get_by_role("button", name="Book", exact=True).click()

    # Straight to that day's calendar, with the booking on it.
    page.get_by_text("Booked Maria Gonzalez").wait_for()
    assert f"date={day:%Y-%m-%d}" in page.url
    entry = page.locator(".cal-entry", has_text="Maria Gonzalez")
    assert entry.is_visible()
    assert "10:00" in entry.inner_text()

    # Day navigation swaps the calendar region only; the URL stays bookmarkable.
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("link", name=re.compile("Next")).click()
    next_day = day.toordinal() + 1
    page.wait_for_url(re.compile(r"date=\d{4}-\d{2}-\d{2}"))
    page.locator(".cal-entry", has_text="Maria Gonzalez").wait_for(state="detached")
    assert page.evaluate("window.__sameDocument") is True
    assert type(day).fromordinal(next_day).isoformat() in page.url
    page.get_by_role("link", name=re.compile("Previous")).click()
    page.locator(".cal-entry", has_text="Maria Gonzalez").wait_for()
    assert page.evaluate("window.__sameDocument") is True

    # Open it and cancel with a reason.
    page.locator(".cal-entry", has_text="Maria Gonzalez").click()
    page.get_by_label("Reason").fill("Client has the flu")
    page.get_by_role("button", name="Cancel appointment").click()
    # The flash message (reminder rows below may repeat the words as a skip reason).
    page.locator(".messages").get_by_text("Appointment cancelled.").wait_for()

    appointment = Appointment.objects.get()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancel_reason == "Client has the flu"
    assert appointment.therapist == therapist
    assert page.console_watch.problems == []


def test_day_calendar_scrolls_inside_its_box_on_a_phone(phone_page, front_desk, location):
    from tests.factories import TherapistFactory

    for n in range(5):
        works_every_day(TherapistFactory(display_name=f"Therapist {n}"), location)
    _sign_in(phone_page, front_desk.username)
    phone_page.goto("/calendar/")
    assert phone_page.locator(".cal-head > div").count() == 6
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    inner = phone_page.locator(".cal-scroll")
    assert inner.evaluate("el => el.scrollWidth > el.clientWidth")
