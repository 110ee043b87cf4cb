"""Today at the desk on a 390 px phone, with a keyboard: the next hours first,
then the rest of the day swapped in by "Show the rest of the day"."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from practice.models import Appointment
from tests.factories import PASSWORD, AppointmentFactory, ClientFactory, ServiceFactory
from tests.practice.views.test_today_window import _midday_zone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOUR = timedelta(hours=1)


@pytest.fixture
def narrow_page(request, browser, live_server):
    """A 390 px phone page, watched like `page`."""
    from tests.browser.conftest import _fail_on_problems, _watched_page

    context, page, watch = _watched_page(
        browser, base_url=live_server.url, viewport={"width": 390, "height": 800}, is_mobile=True
    )
    yield page
    _fail_on_problems(request, context, page, watch)


def test_the_desk_reads_the_next_hours_then_the_whole_day_by_keyboard(
    narrow_page, front_desk, therapist, location
):
    page = narrow_page
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    location.time_zone = _midday_zone(now)
    location.save()
    service = ServiceFactory(buffer_after=timedelta(0), duration=HOUR)
    for name, offset in (("Early", -5), ("Soon", 1), ("Late", 4)):
        AppointmentFactory(
            therapist=therapist,
            service=service,
            location=location,
            client=ClientFactory(first_name=name, last_name="Visitor"),
            starts_at=now + offset * HOUR,
            status=Appointment.Status.BOOKED,
        )
    page.goto("/")
    page.get_by_label("Username").fill(front_desk.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    rows = page.locator("#today-list .list-group-item")
    rows.first.wait_for()
    assert rows.count() == 1 and "Soon Visitor" in rows.first.inner_text()
    shots = os.environ.get("RELIEF_SCREENSHOTS")
    if shots:
        page.screenshot(path=os.path.join(shots, "today-desk-390-next-hours.png"), full_page=True)
    more = page.get_by_role("link", name="Show the rest of the day")
    more.focus()
    page.keyboard.press("Enter")
    page.get_by_text("The whole day: 3 appointments.").wait_for()
    assert rows.count() == 3
    # The swapped list takes the focus, so a keyboard user reads on from it.
    assert page.evaluate("document.activeElement.id") == "today-list"
    assert "day=all" in page.url
    assert (
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        <= 0
    )
    if shots:
        page.screenshot(path=os.path.join(shots, "today-desk-390-whole-day.png"), full_page=True)
