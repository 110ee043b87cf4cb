"""The waitlist pages: the client's in the portal, the offer link, the front desk's."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from practice import services as practice_services
from practice.models import Appointment, WaitlistEntry, WaitlistOffer
from practice.waitlist import services
from tests import factories
from tests.conftest import portal_sign_in

pytestmark = pytest.mark.django_db


def _offer_link(message) -> str:
    return re.search(r"(/my/offers/[^/\s]+/)", message.body).group(1)


def _freed(world, wait, **kwargs):
    entry = wait(**kwargs)
    practice_services.appointment_cancel(appointment=world["booked"], by=None)
    services.waitlist_process()
    return entry


def test_a_client_joins_the_waitlist_in_the_portal(client, world):
    maria = factories.ClientFactory(first_name="Maria")
    portal_sign_in(client, maria)
    day = world["day"]
    url = reverse("portal:waitlist_add")
    form = client.get(url, {"service": world["service"].pk, "date": f"{day:%Y-%m-%d}"})
    assert form.status_code == 200
    # The link's service and date are chosen already.
    assert f'value="{day:%Y-%m-%d}"' in form.content.decode()
    response = client.post(
        url,
        {
            "service": world["service"].pk,
            "therapist": "",
            "date_from": f"{day:%Y-%m-%d}",
            "date_to": f"{day + timedelta(days=3):%Y-%m-%d}",
            "weekdays": ["0", "2"],
            "morning": "on",
        },
    )
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get(client=maria)
    assert (entry.source, entry.weekdays, entry.morning) == ("online", "02", True)
    page = client.get(reverse("portal:waitlist")).content.decode()
    assert world["service"].name in page
    assert "Mon, Wed · mornings" in page


def test_a_wrong_form_keeps_what_was_typed(client, world):
    portal_sign_in(client, factories.ClientFactory())
    today = timezone.localdate()
    response = client.post(
        reverse("portal:waitlist_add"),
        {
            "service": world["service"].pk,
            "date_from": f"{today + timedelta(days=5):%Y-%m-%d}",
            "date_to": f"{today + timedelta(days=2):%Y-%m-%d}",
            "note": "after work please",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "on or after the first" in body
    assert "after work please" in body
    assert not WaitlistEntry.objects.exists()


def test_a_client_removes_an_entry_and_cannot_touch_another_clients(client, world, wait):
    mine = wait()
    theirs = wait()
    portal_sign_in(client, mine.client)
    other = client.post(reverse("portal:waitlist_remove", kwargs={"waitlist_entry_id": theirs.pk}))
    assert other.status_code == 404
    client.post(reverse("portal:waitlist_remove", kwargs={"waitlist_entry_id": mine.pk}))
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == WaitlistEntry.Status.WITHDRAWN
    assert theirs.status == WaitlistEntry.Status.WAITING


def test_the_offer_link_asks_on_get_and_books_on_post(client, world, wait):
    entry = _freed(world, wait)
    link = _offer_link(mail.outbox[-1])
    page = client.get(link)
    assert page.status_code == 200
    assert "Book this time" in page.content.decode()
    # A GET (a mail scanner) books nothing.
    assert not Appointment.objects.filter(client=entry.client).exists()
    booked = client.post(link)
    assert "You are booked" in booked.content.decode()
    assert Appointment.objects.get(client=entry.client).source == Appointment.Source.ONLINE
    assert "You are booked" in client.get(link).content.decode()


def test_the_second_claimer_sees_just_taken_and_is_still_on_the_list(client, world, wait):
    first = wait()
    second = wait()
    practice_services.appointment_cancel(appointment=world["booked"], by=None)
    services.waitlist_process()
    links = {m.to[0]: _offer_link(m) for m in mail.outbox}
    client.post(links[first.client.email])
    late = client.post(links[second.client.email]).content.decode()
    assert "Just taken" in late
    assert "still on the waitlist" in late
    second.refresh_from_db()
    assert second.status == WaitlistEntry.Status.WAITING


def test_a_made_up_offer_link_is_not_found(client):
    assert client.get("/my/offers/not-a-real-token/").status_code == 404


def test_the_portal_lists_open_offers(client, world, wait):
    entry = _freed(world, wait)
    portal_sign_in(client, entry.client)
    page = client.get(reverse("portal:waitlist")).content.decode()
    assert "Times offered to you" in page


def test_the_desk_sees_the_waitlist_and_books_an_offer(client, world, wait, front_desk):
    entry = _freed(world, wait)
    client.force_login(front_desk)
    page = client.get(reverse("waitlist:list")).content.decode()
    assert str(entry.client) in page
    assert "Book this time" in page
    offer = WaitlistOffer.objects.get(entry=entry)
    response = client.post(reverse("waitlist:book_offer", kwargs={"offer_id": offer.pk}))
    appointment = Appointment.objects.get(client=entry.client)
    assert response["Location"] == reverse(
        "practice:appointment_detail", kwargs={"appointment_id": appointment.pk}
    )
    assert appointment.source == Appointment.Source.FRONT_DESK
    assert appointment.booked_by == front_desk


def test_the_desk_adds_a_client(client, world, front_desk):
    tom = factories.ClientFactory(first_name="Tomas", last_name="Berg")
    client.force_login(front_desk)
    found = client.get(reverse("waitlist:add"), {"q": "tom ber"}).content.decode()
    assert f"?client={tom.pk}" in found
    day = world["day"]
    response = client.post(
        reverse("waitlist:add") + f"?client={tom.pk}",
        {
            "service": world["service"].pk,
            "therapist": world["therapist"].pk,
            "date_from": f"{day:%Y-%m-%d}",
            "date_to": f"{day:%Y-%m-%d}",
            "evening": "on",
        },
    )
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get(client=tom)
    assert (entry.therapist, entry.evening, entry.created_by) == (
        world["therapist"],
        True,
        front_desk,
    )


def test_a_therapist_reads_the_waitlist_but_cannot_change_it(client, world, wait, therapist):
    entry = wait()
    client.force_login(therapist.user)
    page = client.get(reverse("waitlist:list")).content.decode()
    assert str(entry.client) in page
    assert "Remove" not in page
    response = client.post(reverse("waitlist:withdraw", kwargs={"waitlist_entry_id": entry.pk}))
    assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING


def test_the_waitlist_page_runs_a_constant_number_of_queries(
    client, world, wait, front_desk, django_assert_max_num_queries
):
    client.force_login(front_desk)
    for _ in range(8):
        wait()
    with django_assert_max_num_queries(15):
        assert client.get(reverse("waitlist:list")).status_code == 200


def test_a_signed_in_client_books_an_offer_from_the_waitlist_page(client, world, wait):
    entry = _freed(world, wait)
    offer = WaitlistOffer.objects.get(entry=entry)
    other = _freed_for_other(world)
    portal_sign_in(client, entry.client)
    assert "Book this time" in client.get(reverse("portal:waitlist")).content.decode()
    not_mine = client.post(reverse("portal:waitlist_claim", kwargs={"offer_id": other.pk}))
    assert not_mine.status_code == 404
    page = client.post(reverse("portal:waitlist_claim", kwargs={"offer_id": offer.pk}))
    assert "You are booked" in page.content.decode()
    assert Appointment.objects.get(client=entry.client).starts_at == offer.starts_at


def _freed_for_other(world):
    """An offer of another time to another client (the morning after)."""
    today = timezone.localdate()
    entry = WaitlistEntry.objects.create(
        client=factories.ClientFactory(), service=world["service"], date_from=today, date_to=today
    )
    now = timezone.now()
    return WaitlistOffer.objects.create(
        entry=entry,
        therapist=world["therapist"],
        service=world["service"],
        location=world["location"],
        starts_at=world["booked"].starts_at + timedelta(days=1),
        token_hash="f" * 64,
        created_at=now,
        expires_at=now + timedelta(hours=1),
    )


def test_removing_asks_first(client, world, wait, front_desk):
    entry = wait()
    portal_sign_in(client, entry.client)
    url = reverse("portal:waitlist_remove", kwargs={"waitlist_entry_id": entry.pk})
    assert "Yes, remove it" in client.get(url).content.decode()
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING
    client.force_login(front_desk)
    desk_url = reverse("waitlist:withdraw", kwargs={"waitlist_entry_id": entry.pk})
    assert "off the waitlist?" in client.get(desk_url).content.decode()
    client.post(desk_url)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WITHDRAWN
