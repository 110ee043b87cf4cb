"""Freed time becomes offers; the first claim books, the rest hear "just taken"."""

from datetime import time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.tokens import hash_token
from practice import services as practice_services
from practice.models import Appointment, FreedTime, TimeOff, WaitlistEntry, WaitlistOffer
from practice.reminders import sms
from practice.waitlist import services
from tests import factories
from tests.practice.scheduling_world import local_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()


def _cancel(world):
    return practice_services.appointment_cancel(
        appointment=world["booked"], by=world["front_desk"], reason="ill"
    )


def _token_of(message) -> str:
    import re

    return re.search(r"/my/offers/([^/\s]+)/", message.body).group(1)


def test_a_cancellation_records_freed_time_in_its_transaction(world, wait):
    wait()
    _cancel(world)
    freed = FreedTime.objects.get()
    assert freed.therapist == world["therapist"]
    assert freed.starts_at == world["booked"].starts_at
    assert freed.ends_at == world["booked"].occupied_until
    assert freed.reason == FreedTime.Reason.CANCELLATION
    assert freed.processed_at is None


def test_nothing_is_recorded_when_nobody_waits(world):
    _cancel(world)
    assert not FreedTime.objects.exists()


def test_the_commit_queues_the_matcher(world, wait, django_capture_on_commit_callbacks):
    wait()
    with django_capture_on_commit_callbacks() as callbacks:
        _cancel(world)
    names = [cb.__name__ for cb in callbacks]
    assert "_queue_matching" in names


def test_processing_offers_the_freed_time_by_email_and_sms(world, wait):
    entry = wait()
    _cancel(world)
    assert services.waitlist_process() == 1
    offer = WaitlistOffer.objects.get()
    assert offer.entry == entry
    assert offer.starts_at == world["booked"].starts_at
    assert offer.status == WaitlistOffer.Status.PENDING
    assert offer.sent_at is not None
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED
    [email] = mail.outbox
    assert email.to == [entry.client.email]
    assert "10:00" in email.subject
    # The link's token is stored only as its hash; no service name in the message.
    assert offer.token_hash == hash_token(_token_of(email))
    assert world["service"].name not in email.body
    [text] = sms.outbox
    assert text.to == str(entry.client.phone)
    assert "/my/offers/" in text.body
    assert FreedTime.objects.get().processed_at is not None
    # A second run finds nothing new to offer.
    assert services.waitlist_process() == 0


def test_no_sms_without_consent(world, wait):
    wait(client=factories.ClientFactory(consent_sms_reminders=False))
    _cancel(world)
    services.waitlist_process()
    assert len(mail.outbox) == 1
    assert sms.outbox == []


def test_entries_whose_window_does_not_fit_get_nothing(world, wait):
    wait(morning=False, evening=True)
    wait(therapist=factories.TherapistFactory(services=[world["service"]]))
    wait(weekdays=str((world["day"].weekday() + 1) % 7))
    # The freed time ends 11:15 (session and cleanup): no start from 11:30 lies in it.
    wait(morning=False, earliest_start=time(11, 30))
    _cancel(world)
    assert services.waitlist_process() == 0
    assert not WaitlistOffer.objects.exists()


def test_a_range_of_times_is_honoured(world, wait):
    wait(morning=False, earliest_start=time(9, 30), latest_start=time(10, 30))
    _cancel(world)
    assert services.waitlist_process() == 1


def test_offers_go_to_the_longest_waiting_up_to_the_limit(world, wait, settings):
    settings.RELIEF_WAITLIST_OFFERS_PER_TIME = 2
    first, second, third = wait(), wait(), wait()
    _cancel(world)
    assert services.waitlist_process() == 2
    offered = set(WaitlistOffer.objects.values_list("entry_id", flat=True))
    assert offered == {first.pk, second.pk}
    third.refresh_from_db()
    assert third.status == WaitlistEntry.Status.WAITING


def test_the_first_claim_books_and_the_second_sees_just_taken(world, wait):
    anna, ben = wait(), wait()
    _cancel(world)
    services.waitlist_process()
    offer_a = WaitlistOffer.objects.get(entry=anna)
    offer_b = WaitlistOffer.objects.get(entry=ben)

    won = services.offer_claim(offer=offer_a)
    assert won.outcome == services.BOOKED
    appointment = won.appointment
    assert appointment.client == anna.client
    assert appointment.starts_at == world["booked"].starts_at
    assert appointment.source == Appointment.Source.ONLINE
    anna.refresh_from_db()
    assert anna.status == WaitlistEntry.Status.BOOKED
    assert anna.appointment == appointment

    lost = services.offer_claim(offer=offer_b)
    assert lost.outcome == services.TAKEN
    ben.refresh_from_db()
    # Still on the list, waiting for the next time.
    assert ben.status == WaitlistEntry.Status.WAITING
    offer_b.refresh_from_db()
    assert offer_b.status == WaitlistOffer.Status.TAKEN
    # The winner's link again: their booking, not a second one.
    assert services.offer_claim(offer=offer_a).outcome == services.ALREADY_BOOKED
    assert Appointment.objects.active().filter(starts_at=appointment.starts_at).count() == 1


def test_a_desk_booking_first_makes_the_offer_just_taken(world, wait):
    entry = wait()
    _cancel(world)
    services.waitlist_process()
    practice_services.appointment_book(
        client=factories.ClientFactory(),
        therapist=world["therapist"],
        service=world["service"],
        location=world["location"],
        starts_at=world["booked"].starts_at,
        booked_by=world["front_desk"],
    )
    offer = WaitlistOffer.objects.get(entry=entry)
    assert services.offer_claim(offer=offer).outcome == services.TAKEN
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING


def test_offers_expire(world, wait, settings):
    settings.RELIEF_WAITLIST_OFFER_MINUTES = 30
    entry = wait()
    _cancel(world)
    services.waitlist_process()
    offer = WaitlistOffer.objects.get()
    assert offer.expires_at == offer.created_at + timedelta(minutes=30)
    later = timezone.now() + timedelta(minutes=31)
    assert services.offer_claim(offer=offer, now=later).outcome == services.EXPIRED
    offer.refresh_from_db()
    assert offer.status == WaitlistOffer.Status.EXPIRED
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING
    assert not Appointment.objects.filter(client=entry.client).exists()


def test_the_sweep_expires_old_offers_and_past_entries(world, wait):
    entry = wait()
    _cancel(world)
    services.waitlist_process()
    services.offers_expire(now=timezone.now() + timedelta(days=1))
    assert WaitlistOffer.objects.get().status == WaitlistOffer.Status.EXPIRED
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING
    services.offers_expire(now=timezone.now() + timedelta(days=30))
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.EXPIRED


def test_a_move_frees_the_old_time(world, wait):
    wait()
    booked = world["booked"]
    practice_services.appointment_reschedule(
        appointment=booked, starts_at=booked.starts_at + timedelta(hours=4), by=world["front_desk"]
    )
    freed = FreedTime.objects.get()
    assert freed.reason == FreedTime.Reason.MOVE
    assert freed.starts_at == booked.starts_at
    assert services.waitlist_process() == 1


def test_removing_time_off_frees_its_time(world, wait):
    location, therapist = world["location"], world["therapist"]
    _cancel(world)
    time_off = TimeOff.objects.create(
        therapist=therapist,
        starts_at=local_at(location, world["day"], 8),
        ends_at=local_at(location, world["day"], 12),
        reason="course",
    )
    wait()
    practice_services.time_off_delete(time_off=time_off)
    assert FreedTime.objects.get().reason == FreedTime.Reason.TIME_OFF_REMOVED
    assert services.waitlist_process() == 1
    # The earliest free start in the freed morning that fits.
    assert WaitlistOffer.objects.get().starts_at == local_at(location, world["day"], 8)


def test_withdrawing_closes_open_offers(world, wait):
    entry = wait()
    _cancel(world)
    services.waitlist_process()
    services.entry_withdraw(entry=entry)
    offer = WaitlistOffer.objects.get()
    assert offer.status == WaitlistOffer.Status.WITHDRAWN
    assert services.offer_claim(offer=offer).outcome == services.CLOSED
    assert not Appointment.objects.filter(client=entry.client).exists()


def test_entry_rules(world, wait, settings):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        wait(date_from=today - timedelta(days=1), date_to=today)
    assert "date_from" in exc.value.error_dict
    sam = factories.TherapistFactory()
    with pytest.raises(ValidationError) as exc:
        wait(therapist=sam)
    assert "therapist" in exc.value.error_dict
    settings.RELIEF_WAITLIST_MAX_ENTRIES = 1
    client = factories.ClientFactory()
    wait(client=client)
    with pytest.raises(ValidationError):
        wait(client=client)
    assert WaitlistEntry.objects.filter(client=client).count() == 1


def test_lapsed_offers_pass_the_time_to_the_next_in_line(world, wait, settings):
    settings.RELIEF_WAITLIST_OFFERS_PER_TIME = 1
    first, second = wait(), wait()
    _cancel(world)
    assert services.waitlist_process() == 1
    assert WaitlistOffer.objects.get().entry == first
    later = timezone.now() + timedelta(minutes=settings.RELIEF_WAITLIST_OFFER_MINUTES + 1)
    assert services.waitlist_process(now=later) == 1
    second_round = WaitlistOffer.objects.get(status=WaitlistOffer.Status.PENDING)
    assert second_round.entry == second
    # The first, who let it lapse, is not offered the same time again.
    assert services.waitlist_process(now=later) == 0
    first.refresh_from_db()
    assert first.status == WaitlistEntry.Status.WAITING


def test_a_claimed_time_is_not_offered_again(world, wait, settings):
    settings.RELIEF_WAITLIST_OFFERS_PER_TIME = 1
    first, _ = wait(), wait()
    _cancel(world)
    services.waitlist_process()
    services.offer_claim(offer=WaitlistOffer.objects.get(entry=first))
    later = timezone.now() + timedelta(days=1)
    assert services.waitlist_process(now=later) == 0
