"""Online booking services: the location's rules, requests, the client's own reschedule."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from clients.models import Client
from portal.models import OnlineBooking
from portal.online import rules, services
from portal.online.messages import online_message_send
from portal.online.selectors import online_free_at, online_slots, rules_for
from practice import services as practice_services
from practice.models import Appointment, Reminder
from tests import factories
from tests.portal.conftest import NEW_CLIENT, in_days

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def book_new(online, starts_at, **extra):
    return services.online_book(
        location=online.location,
        service=online.service,
        therapist=online.dana,
        starts_at=starts_at,
        new_client=dict(NEW_CLIENT),
        answers=extra.pop("answers", {}),
        base_url="https://clinic.example/",
        **extra,
    )


def book_anyone(online, starts_at, *, client):
    """An existing client books "anyone" at `starts_at`, offered Dana's time."""
    return services.online_book(
        location=online.location,
        service=online.service,
        therapist=online.dana,
        starts_at=starts_at,
        client=client,
        any_therapist=True,
        base_url="",
    )


# Pure rules ---------------------------------------------------------------


def _rules(**overrides):
    values = {
        "min_notice": timedelta(hours=2),
        "horizon": timedelta(days=30),
        "same_day": True,
        "max_upcoming": 2,
        "new_clients": "instant",
        "request_hold": timedelta(hours=24),
        "time_zone": "America/New_York",
    }
    return rules.OnlineRules(**{**values, **overrides})


NOW = datetime(2026, 6, 10, 14, 0, tzinfo=UTC)  # 10:00 in New York


def test_a_time_inside_the_notice_is_call_to_book_and_after_it_bookable():
    policy = _rules()
    assert rules.how_bookable(policy, NOW + timedelta(minutes=119), NOW) == rules.CALL
    assert rules.how_bookable(policy, NOW + timedelta(hours=2), NOW) == rules.BOOK


def test_without_same_day_the_rest_of_today_is_call_to_book():
    policy = _rules(same_day=False)
    # 23:00 New York the same day, then 00:00 the next day.
    assert rules.how_bookable(policy, datetime(2026, 6, 11, 3, 0, tzinfo=UTC), NOW) == rules.CALL
    assert rules.how_bookable(policy, datetime(2026, 6, 11, 4, 0, tzinfo=UTC), NOW) == rules.BOOK


def test_past_and_beyond_the_horizon_are_not_offered():
    policy = _rules()
    assert rules.how_bookable(policy, NOW - timedelta(minutes=1), NOW) is None
    assert rules.how_bookable(policy, NOW + timedelta(days=30, minutes=1), NOW) is None
    assert "30 days" in rules.refusal(policy, NOW + timedelta(days=31), NOW)


def test_a_request_expires_after_the_hold_but_never_after_its_start():
    policy = _rules()
    assert rules.request_expiry(policy, NOW + timedelta(days=3), NOW) == NOW + timedelta(hours=24)
    assert rules.request_expiry(policy, NOW + timedelta(hours=5), NOW) == NOW + timedelta(hours=5)


# Booking ------------------------------------------------------------------


def test_a_new_client_is_booked_at_once_and_gets_the_intake_link(
    online, django_capture_on_commit_callbacks, client
):
    with django_capture_on_commit_callbacks() as callbacks:
        appointment = book_new(online, in_days(online.location, 3))
    assert appointment.status == Status.BOOKED
    assert appointment.source == Appointment.Source.ONLINE
    nora = Client.objects.get(email="nora@mail.test")
    assert appointment.client == nora and nora.date_of_birth.year == 1985
    assert nora.consent_email_reminders and not nora.consent_sms_reminders
    record = OnlineBooking.objects.get(appointment=appointment)
    assert record.new_client and record.decision == ""
    assert len(callbacks) == 1  # the message, queued after commit
    # No outbox confirmation of its own (the online message is it); reminders are there.
    kinds = set(appointment.reminders.values_list("kind", flat=True))
    assert Reminder.Kind.CONFIRMATION not in kinds and Reminder.Kind.BEFORE_48H in kinds

    assert online_message_send(
        appointment_id=appointment.pk, kind="booked", base_url="https://clinic.example/"
    )
    (message,) = mail.outbox
    assert message.to == ["nora@mail.test"] and "You are booked" in message.body
    intake = next(w for w in message.body.split() if "/clients/intake/" in w)
    assert client.get(intake.removeprefix("https://clinic.example")).status_code == 200
    # A retried task sends nothing twice.
    assert not online_message_send(
        appointment_id=appointment.pk, kind="booked", base_url="https://clinic.example/"
    )
    assert len(mail.outbox) == 1


def test_a_new_client_books_a_request_when_the_location_says_so(online):
    online.location.online_new_clients = "request"
    online.location.save()
    appointment = book_new(online, in_days(online.location, 3))
    assert appointment.status == Status.REQUESTED
    assert not appointment.reminders.exists()  # nothing until approved
    record = appointment.online_booking
    assert record.decision == OnlineBooking.Decision.PENDING
    assert record.expires_at == record.created_at + timedelta(hours=24)


def test_a_yes_to_a_screening_question_makes_a_request_even_when_instant(online):
    appointment = book_new(online, in_days(online.location, 3), answers={"pregnant": True})
    assert appointment.status == Status.REQUESTED
    assert appointment.online_booking.screening["pregnant"] is True


def test_new_clients_closed_online_are_told_to_call(online):
    online.location.online_new_clients = "closed"
    online.location.save()
    with pytest.raises(ValidationError, match="call us"):
        book_new(online, in_days(online.location, 3))
    assert not Client.objects.filter(email="nora@mail.test").exists()


@pytest.mark.postgres
def test_a_request_holds_its_time_against_the_front_desk(online, front_desk, maria):
    online.location.online_new_clients = "request"
    online.location.save()
    starts_at = in_days(online.location, 3)
    book_new(online, starts_at)
    with pytest.raises(practice_services.AppointmentClash):
        practice_services.appointment_book(
            client=maria,
            therapist=online.dana,
            service=online.service,
            starts_at=starts_at + timedelta(minutes=30),
            booked_by=front_desk,
            location=online.location,
        )


def test_the_notice_the_same_day_rule_and_the_horizon_are_enforced(online):
    location = online.location
    location.online_min_notice_minutes = 48 * 60
    location.save()
    with pytest.raises(ValidationError, match="too soon"):
        book_new(online, in_days(location, 1))
    location.online_min_notice_minutes = 0
    location.online_same_day = False
    location.save()
    with pytest.raises(ValidationError, match="too soon"):
        book_new(online, timezone.now() + timedelta(minutes=5))
    location.online_horizon_days = 10
    location.save()
    with pytest.raises(ValidationError, match="10 days"):
        book_new(online, in_days(location, 12))
    assert not Appointment.objects.exists()


def test_services_and_therapists_switched_off_online_are_refused_and_not_offered(online):
    starts_at = in_days(online.location, 3)
    online.dana.bookable_online = False
    online.dana.save()
    with pytest.raises(ValidationError, match="cannot be booked online"):
        book_new(online, starts_at)
    online.service.bookable_online = False
    online.service.save()
    with pytest.raises(ValidationError, match="cannot be booked online"):
        services.online_book(
            location=online.location,
            service=online.service,
            therapist=online.sam,
            starts_at=starts_at,
            new_client=dict(NEW_CLIENT),
            base_url="",
        )
    online.location.online_booking = False
    online.location.save()
    with pytest.raises(ValidationError, match="does not take bookings online"):
        book_new(online, starts_at)


def test_a_returning_client_holds_at_most_the_upcoming_limit(online, maria):
    online.location.online_max_upcoming = 2
    online.location.save()
    for day in (2, 3):
        services.online_book(
            location=online.location,
            service=online.service,
            therapist=online.dana,
            starts_at=in_days(online.location, day),
            client=maria,
            base_url="",
        )
    with pytest.raises(ValidationError, match="2 upcoming bookings"):
        services.online_book(
            location=online.location,
            service=online.service,
            therapist=online.dana,
            starts_at=in_days(online.location, 4),
            client=maria,
            base_url="",
        )
    assert maria.appointments.count() == 2


def test_any_therapist_goes_to_another_when_the_offered_one_was_just_taken(online, maria):
    starts_at = in_days(online.location, 3)
    factories.AppointmentFactory(
        therapist=online.dana, service=online.service, location=online.location, starts_at=starts_at
    )
    appointment = book_anyone(online, starts_at, client=maria)
    assert appointment.therapist == online.sam


def _colleague(online, *, display_name, location=None):
    """A third therapist offering the online service, working 09:00-17:00 every day."""
    from datetime import time

    kim = factories.TherapistFactory(display_name=display_name)
    kim.services.add(online.service)
    for weekday in range(7):
        factories.WorkingHoursFactory(
            therapist=kim,
            location=location or online.location,
            weekday=weekday,
            start_time=time(9),
            end_time=time(17),
        )
    return kim


def test_anyone_taken_goes_to_the_least_booked_colleague_free_then(online, maria):
    starts_at = in_days(online.location, 3)
    # After Sam in name order: the old fallback took the first name free.
    zoe = _colleague(online, display_name="Zoe Park")
    book = {"service": online.service, "location": online.location}
    factories.AppointmentFactory(therapist=online.dana, starts_at=starts_at, **book)
    # Sam is free at that time but already has a booking that day; Zoe has none.
    factories.AppointmentFactory(
        therapist=online.sam, starts_at=starts_at + timedelta(hours=3), **book
    )
    free = online_free_at(location=online.location, service=online.service, starts_at=starts_at)
    assert free == [zoe.pk, online.sam.pk]
    appointment = book_anyone(online, starts_at, client=maria)
    assert appointment.therapist == zoe


def test_anyone_never_goes_to_a_colleague_at_another_location_or_one_not_online(online):
    starts_at = in_days(online.location, 3)
    elsewhere = factories.LocationFactory(name="Uptown", time_zone=online.location.time_zone)
    _colleague(online, location=elsewhere, display_name="Abe Uptown")
    offline = _colleague(online, display_name="Ada Offline")
    offline.bookable_online = False
    offline.save()
    book = {"service": online.service, "location": online.location}
    factories.AppointmentFactory(therapist=online.sam, starts_at=starts_at, **book)
    free = online_free_at(location=online.location, service=online.service, starts_at=starts_at)
    assert free == [online.dana.pk]


def test_anyone_just_taken_from_everyone_is_refused(online, maria):
    starts_at = in_days(online.location, 3)
    book = {"service": online.service, "location": online.location}
    for who in (online.dana, online.sam):
        factories.AppointmentFactory(therapist=who, starts_at=starts_at, **book)
    assert (
        online_free_at(location=online.location, service=online.service, starts_at=starts_at) == []
    )
    with pytest.raises(ValidationError, match="just booked"):
        book_anyone(online, starts_at, client=maria)


def test_a_new_clients_audit_entries_are_those_of_the_rows_kept(online):
    """The entries are written in one batch at the end: the attempt on the taken
    therapist leaves none, and a booking refused outright leaves no client and
    no entry."""
    starts_at = in_days(online.location, 3)
    factories.AppointmentFactory(
        therapist=online.dana, service=online.service, location=online.location, starts_at=starts_at
    )
    created = LogEntry.objects.filter(action=LogEntry.Action.CREATE)
    last = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    appointment = services.online_book(
        location=online.location,
        service=online.service,
        therapist=online.dana,
        starts_at=starts_at,
        new_client=NEW_CLIENT,
        any_therapist=True,
        base_url="",
    )
    assert appointment.therapist == online.sam
    entries = created.filter(pk__gt=last)
    assert sorted(e.object_pk for e in entries) == sorted(
        [str(appointment.pk), str(appointment.client_id)]
    )
    assert entries.get(object_pk=str(appointment.pk)).object_repr == str(appointment)
    kept = created.count()
    with pytest.raises(ValidationError):
        services.online_book(
            location=online.location,
            service=online.service,
            therapist=online.dana,
            starts_at=starts_at,
            new_client={**NEW_CLIENT, "email": "second@mail.test"},
            base_url="",
        )
    assert created.count() == kept
    assert not Client.objects.filter(email="second@mail.test").exists()


def test_a_taken_time_never_names_who_holds_it(online, maria):
    starts_at = in_days(online.location, 3)
    factories.AppointmentFactory(
        therapist=online.dana, service=online.service, location=online.location, starts_at=starts_at
    )
    with pytest.raises(ValidationError) as exc:
        services.online_book(
            location=online.location,
            service=online.service,
            therapist=online.dana,
            starts_at=starts_at,
            client=maria,
            base_url="",
        )
    assert "someone has just booked" in " ".join(exc.value.messages)
    assert str(maria) not in " ".join(exc.value.messages)


def test_slots_mark_call_to_book_inside_the_notice_and_skip_other_locations(online):
    location = online.location
    location.online_min_notice_minutes = 24 * 60
    location.online_same_day = True
    location.save()
    elsewhere = factories.LocationFactory(name="Uptown")
    factories.WorkingHoursFactory(
        therapist=online.dana, location=elsewhere, weekday=in_days(location, 1).weekday()
    )
    today = timezone.localtime(timezone.now(), in_days(location, 0).tzinfo).date()
    days, _ = online_slots(
        location=location,
        service=online.service,
        therapist_ids=[online.dana.pk],
        first_day=today,
    )
    entries = [e for _, day in days for e in day]
    assert {e["slot"].location_id for e in entries} == {location.pk}
    cutoff = timezone.now() + timedelta(hours=24)
    assert all((e["how"] == rules.CALL) == (e["slot"].starts_at < cutoff) for e in entries)
    assert any(e["how"] == rules.BOOK for e in entries)


# Requests -----------------------------------------------------------------


@pytest.fixture
def request_booking(online):
    online.location.online_new_clients = "request"
    online.location.save()
    return book_new(online, in_days(online.location, 3))


def test_approving_a_request_books_it_with_its_confirmation(request_booking, front_desk):
    approved = services.request_approve(appointment=request_booking, by=front_desk)
    assert approved.status == Status.BOOKED
    assert approved.reminders.filter(kind=Reminder.Kind.CONFIRMATION).exists()
    record = OnlineBooking.objects.get(appointment=approved)
    assert record.decision == "approved" and record.decided_by == front_desk
    with pytest.raises(ValidationError, match="already been answered"):
        services.request_approve(appointment=approved, by=front_desk)


def test_declining_frees_the_time_without_a_fee_and_tells_the_client(
    request_booking, front_desk, django_capture_on_commit_callbacks
):
    request_booking.starts_at = timezone.now() + timedelta(hours=3)  # inside the late window
    with django_capture_on_commit_callbacks() as callbacks:
        declined = services.request_decline(
            appointment=request_booking, by=front_desk, reason="Fully booked that day.", base_url=""
        )
    assert declined.status == Status.CANCELLED and not declined.late_cancel
    assert OnlineBooking.objects.get(appointment=declined).decision == "declined"
    assert len(callbacks) == 1
    assert online_message_send(appointment_id=declined.pk, kind="declined", base_url="")
    assert "Fully booked that day." in mail.outbox[-1].body


def test_unanswered_requests_expire_and_their_time_is_free(request_booking):
    later = request_booking.online_booking.expires_at + timedelta(seconds=1)
    assert services.requests_expire(base_url="", now=later - timedelta(seconds=2)) == 0
    assert services.requests_expire(base_url="", now=later) == 1
    request_booking.refresh_from_db()
    assert request_booking.status == Status.CANCELLED
    assert request_booking.online_booking.decision == "expired"


def test_a_client_withdraws_their_own_request(request_booking):
    from portal import services as portal_services

    portal_services.appointment_cancel_by_client(
        client=request_booking.client, appointment=request_booking
    )
    request_booking.refresh_from_db()
    assert request_booking.status == Status.CANCELLED
    assert request_booking.online_booking.decision == "withdrawn"


# Reschedule ---------------------------------------------------------------


def test_a_client_moves_their_appointment_outside_the_window(online, maria):
    appointment = factories.AppointmentFactory(
        client=maria,
        therapist=online.dana,
        service=online.service,
        location=online.location,
        starts_at=in_days(online.location, 3),
    )
    moved = services.online_reschedule_by_client(
        client=maria,
        appointment=appointment,
        therapist=online.sam,
        starts_at=in_days(online.location, 4, hour=11),
    )
    assert moved.therapist == online.sam
    assert moved.starts_at == in_days(online.location, 4, hour=11)


def test_inside_the_window_the_client_is_to_call(online, maria):
    appointment = factories.AppointmentFactory(
        client=maria,
        therapist=online.dana,
        service=online.service,
        location=online.location,
        starts_at=timezone.now() + timedelta(hours=5),
    )
    assert services.change_option(appointment) == "call"
    with pytest.raises(services.CallToChange):
        services.online_reschedule_by_client(
            client=maria,
            appointment=appointment,
            therapist=online.dana,
            starts_at=in_days(online.location, 4),
        )


def test_someone_elses_appointment_cannot_be_moved(online, maria):
    appointment = factories.AppointmentFactory(
        therapist=online.dana,
        service=online.service,
        location=online.location,
        starts_at=in_days(online.location, 3),
    )
    with pytest.raises(ValidationError, match="not yours"):
        services.online_reschedule_by_client(
            client=maria,
            appointment=appointment,
            therapist=online.dana,
            starts_at=in_days(online.location, 4),
        )


# Concurrency --------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twelve_clients_racing_for_one_time_get_one_booking(online):
    starts_at = in_days(online.location, 3)
    racers = [factories.ClientFactory() for _ in range(12)]
    barrier = threading.Barrier(len(racers))
    outcomes = []

    def race(who):
        try:
            barrier.wait()
            services.online_book(
                location=online.location,
                service=online.service,
                therapist=online.dana,
                starts_at=starts_at,
                client=who,
                base_url="",
            )
            outcomes.append("booked")
        except ValidationError:
            outcomes.append("taken")
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(who,)) for who in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] + ["taken"] * 11
    assert Appointment.objects.active().filter(therapist=online.dana).count() == 1
    assert rules_for(online.location).max_upcoming == 3
