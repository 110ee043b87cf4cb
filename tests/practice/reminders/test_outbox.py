"""The reminder outbox: which rows a booking, a move and a cancellation make."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from practice import services
from practice.models import Reminder
from tests.factories import ClientFactory, ServiceFactory

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def book(location, therapist, front_desk, works_every_day):
    works_every_day(therapist, location)
    service = ServiceFactory(needs_room=False)
    therapist.services.add(service)

    def book(starts_at, *, now, by_email=True, by_sms=True, **client_fields):
        client = ClientFactory(
            consent_email_reminders=by_email, consent_sms_reminders=by_sms, **client_fields
        )
        return services.appointment_book(
            client=client,
            therapist=therapist,
            service=service,
            starts_at=starts_at,
            booked_by=front_desk,
            location=location,
            now=now,
        )

    return book


@pytest.mark.parametrize(
    ("local_start", "local_hour_48h_before"),
    [
        # Clocks go forward on Sun 14 Mar 2027: 48 elapsed hours before Monday
        # 10:00 EDT is Saturday 09:00 EST by the wall clock.
        (datetime(2027, 3, 15, 10, tzinfo=NEW_YORK), 9),
        # Clocks go back on Sun 7 Nov 2027: Monday 10:00 EST minus 48 h is 11:00 EDT.
        (datetime(2027, 11, 8, 10, tzinfo=NEW_YORK), 11),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_offsets_are_elapsed_hours_across_daylight_saving_changes(
    book, local_start, local_hour_48h_before
):
    now = local_start - timedelta(days=7)
    appointment = book(local_start, now=now)
    before_48h = appointment.reminders.get(channel="email", kind=Reminder.Kind.BEFORE_48H)
    before_2h = appointment.reminders.get(channel="email", kind=Reminder.Kind.BEFORE_2H)
    # Timestamps, not datetime subtraction: two datetimes in the same zone
    # subtract by wall clock and would hide an off-by-an-hour bug.
    start = appointment.starts_at.timestamp()
    assert start - before_48h.due_at.timestamp() == 172_800
    assert start - before_2h.due_at.timestamp() == 7_200
    before_48h.refresh_from_db()
    assert start - before_48h.due_at.timestamp() == 172_800
    assert before_48h.due_at.astimezone(NEW_YORK).hour == local_hour_48h_before


def test_confirmation_waits_for_the_grace_delay(book, settings):
    settings.RELIEF_CONFIRMATION_GRACE_MINUTES = 3
    now = datetime(2027, 5, 3, 12, tzinfo=UTC)
    appointment = book(now + timedelta(days=4), now=now)
    confirmation = appointment.reminders.get(channel="email", kind=Reminder.Kind.CONFIRMATION)
    assert confirmation.due_at == now + timedelta(minutes=3)


def test_reminders_already_past_are_not_created(book):
    now = datetime(2027, 5, 3, 12, tzinfo=UTC)
    appointment = book(now + timedelta(hours=5), now=now)
    kinds = set(appointment.reminders.filter(channel="email").values_list("kind", flat=True))
    assert kinds == {Reminder.Kind.CONFIRMATION, Reminder.Kind.BEFORE_2H}


@pytest.mark.parametrize(
    ("email", "sms", "client_fields", "channels"),
    [
        (True, False, {}, {"email"}),
        (False, True, {}, {"sms"}),
        (False, False, {}, set()),
        (True, True, {"phone": ""}, {"email"}),
        (True, True, {"email": ""}, {"sms"}),
    ],
    ids=["email-only", "sms-only", "no-consent", "no-phone", "no-email"],
)
def test_reminders_follow_the_clients_consent_per_channel(
    book, email, sms, client_fields, channels
):
    now = datetime(2027, 5, 3, 12, tzinfo=UTC)
    appointment = book(
        now + timedelta(days=4), now=now, by_email=email, by_sms=sms, **client_fields
    )
    assert set(appointment.reminders.values_list("channel", flat=True)) == channels


def test_no_sms_rows_while_sms_reminders_are_off(book, settings):
    settings.RELIEF_SMS_REMINDERS_ENABLED = False
    now = datetime(2027, 5, 3, 12, tzinfo=UTC)
    appointment = book(now + timedelta(days=4), now=now)
    assert set(appointment.reminders.values_list("channel", flat=True)) == {"email"}


def test_cancel_within_the_grace_delay_sends_nothing(book, front_desk):
    now = datetime(2027, 5, 3, 12, tzinfo=UTC)
    appointment = book(now + timedelta(days=4), now=now)
    services.appointment_cancel(appointment=appointment, by=front_desk, now=now)
    assert not appointment.reminders.filter(status=Reminder.Status.PENDING).exists()
    assert not appointment.reminders.filter(kind=Reminder.Kind.CANCELLATION).exists()


def test_cancel_notifies_only_by_channels_that_told_the_client(book, front_desk):
    now = datetime(2027, 5, 3, 12, tzinfo=UTC)
    appointment = book(now + timedelta(days=4), now=now)
    appointment.reminders.filter(channel="sms", kind=Reminder.Kind.CONFIRMATION).update(
        status=Reminder.Status.SENT
    )
    cancelled = services.appointment_cancel(appointment=appointment, by=front_desk, now=now)
    notice = cancelled.reminders.get(kind=Reminder.Kind.CANCELLATION)
    assert notice.channel == "sms"
    assert notice.due_at == now
    assert cancelled.sequence == 1
    skipped = cancelled.reminders.filter(status=Reminder.Status.CANCELLED)
    assert {r.skip_reason for r in skipped} == {"Appointment cancelled."}


def test_reschedule_raises_the_sequence_and_sends_the_confirmation_again(
    book, front_desk, settings
):
    settings.RELIEF_CONFIRMATION_GRACE_MINUTES = 3
    now = datetime(2027, 5, 3, 12, tzinfo=UTC)
    appointment = book(now + timedelta(days=4), now=now)
    confirmation = appointment.reminders.get(channel="email", kind=Reminder.Kind.CONFIRMATION)
    Reminder.objects.filter(pk=confirmation.pk).update(status=Reminder.Status.SENT, sent_at=now)
    later = now + timedelta(hours=1)
    new_start = appointment.starts_at + timedelta(days=2)
    moved = services.appointment_reschedule(
        appointment=appointment, starts_at=new_start, by=front_desk, now=later
    )
    assert moved.sequence == 1
    moved.refresh_from_db()
    assert moved.sequence == 1
    confirmation.refresh_from_db()
    assert confirmation.status == Reminder.Status.PENDING
    assert confirmation.due_at == later + timedelta(minutes=3)
    # A new send round: the provider must not drop it as a duplicate.
    assert confirmation.send_round == 1
    assert confirmation.idempotency_key == f"{confirmation.pk}-1"
    before_48h = moved.reminders.get(channel="email", kind=Reminder.Kind.BEFORE_48H)
    assert before_48h.due_at == new_start - timedelta(hours=48)
    assert before_48h.send_round == 0  # never sent, same key


def test_reschedule_too_close_cancels_the_early_reminder(book, front_desk):
    now = datetime(2027, 5, 3, 12, tzinfo=UTC)
    appointment = book(now + timedelta(days=4), now=now)
    moved = services.appointment_reschedule(
        appointment=appointment, starts_at=now + timedelta(hours=20), by=front_desk, now=now
    )
    before_48h = moved.reminders.get(channel="email", kind=Reminder.Kind.BEFORE_48H)
    assert before_48h.status == Reminder.Status.CANCELLED
    before_2h = moved.reminders.get(channel="email", kind=Reminder.Kind.BEFORE_2H)
    assert before_2h.status == Reminder.Status.PENDING


def test_reschedule_gives_a_new_key_to_every_reminder_a_provider_may_have_seen(book, front_desk):
    now = datetime(2027, 5, 3, 12, tzinfo=UTC)
    appointment = book(now + timedelta(days=4), now=now)
    reminders = appointment.reminders.filter(channel="email")
    reminders.filter(kind=Reminder.Kind.CONFIRMATION).update(status=Reminder.Status.FAILED)
    # Tried once and waiting for its retry: the provider may have accepted it.
    reminders.filter(kind=Reminder.Kind.BEFORE_48H).update(attempts=1, last_error="timeout")
    services.appointment_reschedule(
        appointment=appointment,
        starts_at=appointment.starts_at + timedelta(days=1),
        by=front_desk,
        now=now,
    )
    rounds = dict(reminders.values_list("kind", "send_round"))
    assert rounds == {
        Reminder.Kind.CONFIRMATION: 1,
        Reminder.Kind.BEFORE_48H: 1,
        Reminder.Kind.BEFORE_2H: 0,  # never tried: its key was never used
    }
    assert set(reminders.values_list("status", flat=True)) == {Reminder.Status.PENDING}


def _book_weekly_series(location, therapist, front_desk, count=6):
    from django.utils import timezone

    from practice.reminders import messages

    client = ClientFactory(
        first_name="Maria",
        email="maria@mail.test",
        phone="+12025550143",
        consent_email_reminders=True,
        consent_sms_reminders=True,
    )
    service = therapist.services.get()
    tz = ZoneInfo(location.time_zone)
    first = datetime.combine(
        timezone.now().astimezone(tz).date() + timedelta(days=5), datetime.min.time(), tz
    ).replace(hour=10)
    booked, _ = services.appointment_book_from_desk(
        client=client,
        therapist=therapist,
        service=service,
        location=location,
        starts=[first + timedelta(weeks=n) for n in range(count)],
        booked_by=front_desk,
    )
    return booked, messages


def test_a_series_sends_one_confirmation_listing_its_dates(book, location, therapist, front_desk):
    booked, messages = _book_weekly_series(location, therapist, front_desk)
    confirmations = Reminder.objects.filter(kind=Reminder.Kind.CONFIRMATION)
    assert sorted(confirmations.values_list("channel", flat=True)) == ["email", "sms"]
    assert {r.appointment_id for r in confirmations} == {booked[0].pk}
    # Later reminders stay per occurrence: the 48-hour one for each of the six dates.
    before = Reminder.objects.filter(kind=Reminder.Kind.BEFORE_48H, channel="email")
    assert before.count() == 6

    email = messages.build_email(confirmations.get(channel="email"))
    assert "first of 6 appointments" in email.body
    tz = ZoneInfo(location.time_zone)
    for appointment in booked:
        local = appointment.starts_at.astimezone(tz)
        assert f"{local:%a} {local.day} {local:%b} 10:00" in email.body
    text = messages.build_sms(confirmations.get(channel="sms")).body
    last = booked[-1].starts_at.astimezone(tz)
    assert f"{last:%a} {last.day} {last:%b} 10:00" in text


def test_cancelling_the_first_date_before_its_confirmation_hands_it_to_the_next(
    book, location, therapist, front_desk
):
    booked, messages = _book_weekly_series(location, therapist, front_desk)
    services.appointment_cancel(appointment=booked[0], by=front_desk, reason="ill")
    confirmations = Reminder.objects.filter(kind=Reminder.Kind.CONFIRMATION)
    assert set(confirmations.filter(status="cancelled").values_list("appointment", flat=True)) == {
        booked[0].pk
    }
    pending = confirmations.filter(status="pending")
    assert {r.appointment_id for r in pending} == {booked[1].pk}
    assert sorted(pending.values_list("channel", flat=True)) == ["email", "sms"]
    # Nobody was told about the first date: no cancellation notice for it.
    assert not Reminder.objects.filter(kind=Reminder.Kind.CANCELLATION).exists()
    email = messages.build_email(pending.get(channel="email"))
    tz = ZoneInfo(location.time_zone)
    first = booked[0].starts_at.astimezone(tz)
    assert f"{first:%a} {first.day} {first:%b} 10:00" not in email.body
    for appointment in booked[1:]:
        local = appointment.starts_at.astimezone(tz)
        assert f"{local:%a} {local.day} {local:%b} 10:00" in email.body


def test_cancelling_a_whole_series_before_its_confirmation_announces_nothing(
    book, location, therapist, front_desk
):
    booked, _ = _book_weekly_series(location, therapist, front_desk)
    services.appointment_cancel_following(appointment=booked[0], by=front_desk, reason="moved")
    assert not Reminder.objects.filter(kind=Reminder.Kind.CONFIRMATION, status="pending").exists()
    assert not Reminder.objects.filter(kind=Reminder.Kind.CANCELLATION).exists()
