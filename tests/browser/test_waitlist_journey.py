"""A client joins the waitlist on a phone, gets the offer when time frees up, and
claims it; a second client, offered the same time, sees "just taken"."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from playwright.sync_api import expect

from practice import services as practice_services
from practice.models import Appointment, WaitlistEntry
from practice.waitlist import services
from tests.factories import ClientFactory, ServiceFactory
from tests.portal.conftest import last_code
from tests.practice.scheduling_world import local_at, local_day, works_every_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _offer_link(email_to: str) -> str:
    message = next(
        m for m in reversed(mail.outbox) if m.to == [email_to] and "/my/offers/" in m.body
    )
    return re.search(r"(/my/offers/[^/\s]+/)", message.body).group(1)


def test_a_client_claims_a_waitlist_offer_on_a_phone_and_the_next_sees_just_taken(
    phone_page, page, therapist, location, front_desk, portal_code_tasks
):
    service = ServiceFactory(name="60 min deep tissue", needs_room=False)
    therapist.services.add(service)
    works_every_day(therapist, location)
    day = local_day(location, 4)
    booked = practice_services.appointment_book(
        client=ClientFactory(first_name="Tom"),
        therapist=therapist,
        service=service,
        location=location,
        starts_at=local_at(location, day, 10),
        booked_by=front_desk,
    )
    maria = ClientFactory(first_name="Maria", email="maria@mail.test")
    ben = ClientFactory(first_name="Ben", email="ben@mail.test")
    services.entry_add(
        client=ben, service=service, date_from=day, date_to=day + timedelta(days=2), morning=True
    )

    # Maria signs in on her phone and joins the waitlist.
    phone = phone_page
    phone.goto("/my/")
    phone.get_by_label("Your email or mobile number").fill("maria@mail.test")
    phone.get_by_role("button", name="Send me a code").click()
    phone.get_by_label("Six-digit code").fill(last_code(mail.outbox))
    phone.get_by_label("Six-digit code").press("Enter")
    phone.get_by_role("link", name="Your waitlist").click()
    expect(phone.get_by_text("You are not waiting for anything")).to_be_visible()
    phone.get_by_role("link", name="Add a waitlist request").click()
    phone.get_by_label("Service").select_option(label="60 min deep tissue")
    phone.get_by_label("First day").fill(f"{day:%Y-%m-%d}")
    phone.get_by_label("Last day").fill(f"{day + timedelta(days=3):%Y-%m-%d}")
    phone.get_by_label("Mornings (before 12:00)").check()
    phone.get_by_role("button", name="Join the waitlist").click()
    expect(phone.get_by_text("You are on the waitlist")).to_be_visible()
    expect(phone.get_by_text("mornings")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert WaitlistEntry.objects.get(client=maria).source == "online"

    # Tom cancels; the matcher (the Celery task's service) offers his time to both.
    practice_services.appointment_cancel(appointment=booked, by=None)
    assert services.waitlist_process() == 2

    # Maria opens the offer from her email on the phone and books it.
    phone.goto(_offer_link("maria@mail.test"))
    expect(phone.get_by_role("heading", name="A time came free")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.get_by_role("button", name="Book this time").click()
    expect(phone.get_by_role("heading", name="You are booked")).to_be_visible()
    appointment = Appointment.objects.get(client=maria)
    assert appointment.starts_at == booked.starts_at

    # Ben, a moment later, opens his offer: just taken, and he is still waiting.
    page.goto(_offer_link("ben@mail.test"))
    expect(page.get_by_role("heading", name="Just taken")).to_be_visible()
    expect(page.get_by_text("You are still on the waitlist")).to_be_visible()
    assert not Appointment.objects.filter(client=ben).exists()
    assert WaitlistEntry.objects.get(client=ben).status == WaitlistEntry.Status.WAITING
