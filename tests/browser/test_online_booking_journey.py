"""On a phone: a new client books online, gets the confirmation with the
intake link (sent by a real Celery worker through Redis), signs in to the
portal with the emailed code, moves the appointment, then cancels it."""

import re
import time
from datetime import time as clock
from email import message_from_string
from email.policy import default
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from practice.models import Appointment
from tests import factories
from tests.celery_worker import running_worker

pytestmark = [
    pytest.mark.browser,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker(tmp_path):
    """A Celery worker process on the test database, writing its emails to files."""
    env = {
        # The live server's key: sign-in codes are stored as an HMAC keyed with it.
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    with running_worker(tmp_path / "worker.log", **env):
        yield tmp_path


def sent_emails(root: Path):
    folder = root / "mail"
    if not folder.exists():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        for chunk in path.read_text().split("\n" + "-" * 79 + "\n"):
            if chunk.strip():
                found.append(message_from_string(chunk.lstrip(), policy=default))
    return found


def wait_for_email(root: Path, timeout=60, subject=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        emails = [m for m in sent_emails(root) if subject in m["Subject"]]
        if emails:
            return emails[0]
        time.sleep(0.3)
    log = (root / "worker.log").read_text()[-3000:]
    pytest.fail(f"the worker sent no email: {log}")


def test_a_new_client_books_online_then_moves_and_cancels_in_the_portal(
    phone_page, worker, therapist, location
):
    location.online_booking = True
    location.online_new_clients = "instant"
    # The first free time must lie outside the cancellation window, or the
    # portal rightly offers no "Change the time" (the test would depend on the hour).
    location.online_min_notice_minutes = (settings.RELIEF_LATE_CANCEL_HOURS + 24) * 60
    location.address = "12 Main Street, Springfield"
    location.save()
    service = factories.ServiceFactory(name="60 min deep tissue", needs_room=False)
    therapist.services.add(service)
    for weekday in range(7):
        factories.WorkingHoursFactory(
            therapist=therapist,
            location=location,
            weekday=weekday,
            start_time=clock(9),
            end_time=clock(17),
        )
    page = phone_page

    page.goto("/online/")
    expect(page.get_by_text("12 Main Street, Springfield")).to_be_visible()
    page.get_by_role("link", name=re.compile("60 min deep tissue")).click()
    expect(page.get_by_role("heading", name="60 min deep tissue")).to_be_visible()
    # The first time that books online (not "call to book").
    page.locator("a.online-time.btn-outline-primary").first.click()
    expect(page.get_by_role("heading", name="4. Who is booking?")).to_be_visible()
    new = page.locator("form", has=page.locator("#id_new-email"))
    new.get_by_label("First name").fill("Nora")
    new.get_by_label("Last name").fill("Quinn")
    new.get_by_role("textbox", name=re.compile("^Email")).fill("nora@mail.test")
    new.get_by_label("Mobile number").fill("(202) 555-0177")
    new.get_by_label("Date of birth").fill("1985-04-02")
    for key in ("recent_injury", "clot_or_heart", "pregnant"):
        page.locator(f"input[name='new-{key}'][value='no']").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="Book this time").click()
    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    appointment = Appointment.objects.get(client__email="nora@mail.test")
    assert appointment.status == Appointment.Status.BOOKED

    confirmation = wait_for_email(worker)
    assert confirmation["To"] == "nora@mail.test"
    body = confirmation.get_body(preferencelist=("plain",)).get_content()
    assert "You are booked" in body
    intake = re.search(r"(/clients/intake/[^\s]+)", body).group(1)
    page.goto(intake)
    expect(page.get_by_role("heading").first).to_be_visible()
    assert "Page not found" not in page.content()

    page.goto("/my/")
    page.get_by_label("Your email or mobile number").fill("nora@mail.test")
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    # The worker sends the code too (the request only queued it).
    code = wait_for_email(worker, subject="sign-in code").get_body(preferencelist=("plain",))
    page.get_by_label("Six-digit code").fill(re.search(r"\b(\d{6})\b", code.get_content())[1])
    page.get_by_label("Six-digit code").press("Enter")
    expect(page.get_by_role("heading", name="Hello Nora")).to_be_visible()

    page.get_by_role("link", name="Change the time").click()
    expect(page.get_by_role("heading", name="Change your appointment")).to_be_visible()
    page.locator("a.online-time.btn-outline-primary").nth(3).click()
    page.get_by_role("button", name="Yes, move my appointment").click()
    expect(page.get_by_text("Moved: your appointment is now on")).to_be_visible()
    moved = Appointment.objects.get(pk=appointment.pk)
    assert moved.starts_at != appointment.starts_at and moved.status == "booked"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_role("link", name="Cancel this appointment").click()
    page.get_by_role("button", name="Yes, cancel the appointment").click()
    expect(page.get_by_text("is cancelled")).to_be_visible()
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.CANCELLED
    assert page.console_watch.problems == []
