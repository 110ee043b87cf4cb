"""Sending one reminder: what goes out, what is skipped, deferred, retried."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends import locmem
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from practice.models import Appointment, Reminder
from practice.reminders import delivery, dispatch, messages, outbox, sms, tasks
from tests.factories import AppointmentFactory, ClientFactory, LocationFactory

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def appointment(therapist):
    location = LocationFactory(
        name="Relief Downtown", address="12 Main Street", phone="(555) 010-7777"
    )
    client = ClientFactory(
        first_name="Maria",
        email="maria@mail.test",
        phone="+12025550143",
        consent_email_reminders=True,
        consent_sms_reminders=True,
    )
    return AppointmentFactory(
        client=client,
        therapist=therapist,
        location=location,
        service__name="Prenatal massage",
        starts_at=timezone.now() + timedelta(days=3),
    )


def make(appointment, *, channel="email", kind=Reminder.Kind.BEFORE_48H, due_at=None, **fields):
    return Reminder.objects.create(
        appointment=appointment,
        channel=channel,
        kind=kind,
        due_at=due_at or timezone.now() - timedelta(minutes=1),
        **fields,
    )


_slots = iter(range(1, 10_000))


def _next_slot():
    return timezone.now() + timedelta(days=3, hours=2 * next(_slots))


def move(appointment, start):
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        occupied_until=start + timedelta(hours=1),
    )


def test_email_names_practice_time_therapist_address_and_links(appointment, settings):
    settings.RELIEF_BASE_URL = "https://relief.example"
    reminder = make(appointment)
    assert delivery.reminder_deliver(reminder_id=reminder.pk) == "sent"
    [email] = mail.outbox
    local = appointment.starts_at.astimezone(NEW_YORK)
    text = email.body
    assert email.to == ["maria@mail.test"]
    assert "Relief Massage Therapy" in email.subject
    assert f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}" in text
    assert "Dana Reyes" in text and "12 Main Street" in text and "(555) 010-7777" in text
    assert "https://relief.example/r/c/" in text and "https://relief.example/r/x/" in text
    html = email.alternatives[0].content
    assert "https://relief.example/r/c/" in html
    assert email.extra_headers["X-Relief-Reminder"] == str(reminder.pk)
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SENT
    assert reminder.sent_at is not None
    assert reminder.attempts == 1


def test_messages_carry_no_clinical_content(appointment):
    email_reminder = make(appointment)
    sms_reminder = make(appointment, channel="sms")
    texts = [
        messages.build_email(email_reminder).message().as_string(),
        messages.build_sms(sms_reminder).body,
    ]
    for text in texts:
        assert "Prenatal" not in text


def test_sms_goes_to_the_backend_with_the_reminder_id_as_idempotency_key(appointment, settings):
    settings.RELIEF_SMS_SENDING_HOURS = (0, 24)
    reminder = make(appointment, channel="sms")
    delivery.reminder_deliver(reminder_id=reminder.pk)
    [message] = sms.outbox
    assert message.to == "+12025550143"
    assert message.idempotency_key == str(reminder.pk)
    assert "Dana Reyes" in message.body and "/r/x/" in message.body


def test_a_second_delivery_sends_nothing(appointment):
    reminder = make(appointment)
    delivery.reminder_deliver(reminder_id=reminder.pk)
    assert delivery.reminder_deliver(reminder_id=reminder.pk) == "not pending"
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": Appointment.Status.CANCELLED}, "no longer upcoming"),
        ({"status": Appointment.Status.NO_SHOW}, "no longer upcoming"),
    ],
)
def test_reminder_for_an_appointment_no_longer_upcoming_is_skipped(appointment, change, reason):
    Appointment.objects.filter(pk=appointment.pk).update(**change)
    reminder = make(appointment)
    assert delivery.reminder_deliver(reminder_id=reminder.pk) == "skipped"
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.CANCELLED
    assert reason in reminder.skip_reason
    assert mail.outbox == []


def test_withdrawn_consent_stops_the_reminder(appointment):
    reminder = make(appointment, channel="sms")
    appointment.client.consent_sms_reminders = False
    appointment.client.save()
    assert delivery.reminder_deliver(reminder_id=reminder.pk) == "skipped"
    reminder.refresh_from_db()
    assert reminder.skip_reason == "The client has not agreed to SMS reminders."
    assert sms.outbox == []


def test_cancellation_notice_is_sent_for_a_cancelled_appointment(appointment):
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
    reminder = make(appointment, kind=Reminder.Kind.CANCELLATION)
    assert delivery.reminder_deliver(reminder_id=reminder.pk) == "sent"
    [email] = mail.outbox
    assert "Cancelled" in email.subject
    assert "/r/x/" not in email.body and "/r/c/" not in email.body
    calendar = email.attachments[0]
    assert "METHOD:CANCEL" in calendar.get_payload(decode=True).decode()


def test_reminder_moved_after_its_claim_waits_for_its_new_time(appointment):
    reminder = make(appointment, due_at=timezone.now() + timedelta(hours=5))
    assert delivery.reminder_deliver(reminder_id=reminder.pk) == "not due"
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.PENDING
    assert mail.outbox == []


class TestSendingHours:
    def test_inside_hours_is_now(self):
        moment = datetime(2027, 5, 3, 14, tzinfo=UTC)  # 10:00 in New York
        assert messages.next_sending_time(moment, tz=NEW_YORK, hours=(8, 20)) == moment

    def test_early_morning_waits_for_the_opening(self):
        moment = datetime(2027, 5, 3, 10, tzinfo=UTC)  # 06:00 in New York
        opening = messages.next_sending_time(moment, tz=NEW_YORK, hours=(8, 20))
        assert opening.astimezone(NEW_YORK) == datetime(2027, 5, 3, 8, tzinfo=NEW_YORK)

    def test_evening_waits_for_the_next_morning(self):
        moment = datetime(2027, 5, 4, 1, tzinfo=UTC)  # 21:00 on the 3rd in New York
        opening = messages.next_sending_time(moment, tz=NEW_YORK, hours=(8, 20))
        assert opening.astimezone(NEW_YORK) == datetime(2027, 5, 4, 8, tzinfo=NEW_YORK)

    def test_the_end_hour_is_excluded(self):
        moment = datetime(2027, 5, 4, 0, tzinfo=UTC)  # 20:00 in New York
        opening = messages.next_sending_time(moment, tz=NEW_YORK, hours=(8, 20))
        assert opening.astimezone(NEW_YORK).date() == datetime(2027, 5, 4).date()

    def test_opening_after_a_daylight_saving_night(self):
        # 23:00 EST on Sat 13 Mar 2027; the next 08:00 is EDT (12:00 UTC).
        moment = datetime(2027, 3, 14, 4, tzinfo=UTC)
        opening = messages.next_sending_time(moment, tz=NEW_YORK, hours=(8, 20))
        assert opening == datetime(2027, 3, 14, 12, tzinfo=UTC)

    def test_sms_outside_hours_is_deferred_to_the_opening(self, appointment, settings):
        settings.RELIEF_SMS_SENDING_HOURS = (8, 20)
        night = datetime(2027, 5, 4, 3, tzinfo=UTC)  # 23:00 in New York
        move(appointment, night + timedelta(days=2))
        reminder = make(appointment, channel="sms", due_at=night)
        assert delivery.reminder_deliver(reminder_id=reminder.pk, now=night) == "deferred"
        reminder.refresh_from_db()
        assert reminder.status == Reminder.Status.PENDING
        assert reminder.claimed_at is None
        assert reminder.due_at == datetime(2027, 5, 4, 12, tzinfo=UTC)  # 08:00 EDT
        assert sms.outbox == []

    def test_sms_whose_next_opening_is_too_late_is_skipped(self, appointment, settings):
        settings.RELIEF_SMS_SENDING_HOURS = (8, 20)
        night = datetime(2027, 5, 4, 3, tzinfo=UTC)  # 23:00 in New York
        start = night + timedelta(hours=4)  # 03:00 local: before the 08:00 opening
        move(appointment, start)
        reminder = make(appointment, channel="sms", kind=Reminder.Kind.BEFORE_2H, due_at=night)
        assert delivery.reminder_deliver(reminder_id=reminder.pk, now=night) == "skipped"
        reminder.refresh_from_db()
        assert reminder.status == Reminder.Status.CANCELLED
        assert "sending hours" in reminder.skip_reason

    def test_email_ignores_sms_hours(self, appointment, settings):
        settings.RELIEF_SMS_SENDING_HOURS = (8, 20)
        night = datetime(2027, 5, 4, 3, tzinfo=UTC)
        move(appointment, night + timedelta(days=2))
        reminder = make(appointment, due_at=night)
        assert delivery.reminder_deliver(reminder_id=reminder.pk, now=night) == "sent"


class FailingBackend(sms.BaseSmsBackend):
    def send_messages(self, messages):
        raise ConnectionError("provider unreachable")


def test_failures_retry_then_end_as_failed_with_the_error(appointment, settings):
    settings.RELIEF_SMS_BACKEND = f"{__name__}.FailingBackend"
    settings.RELIEF_SMS_SENDING_HOURS = (0, 24)
    settings.RELIEF_REMINDER_MAX_RETRIES = 2
    reminder = make(appointment, channel="sms")
    outcomes = []
    for _ in range(3):
        outcomes.append(tasks.reminder_send.apply(args=[str(reminder.pk)]).get())
        Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now())  # the wait passes
    assert outcomes == ["retrying", "retrying", "failed"]
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.FAILED
    assert reminder.attempts == 3  # the first try and two retries
    assert reminder.last_error == "ConnectionError: provider unreachable"


class SessionBackend(locmem.EmailBackend):
    """Keeps its messages in mail.outbox and a log of its sessions."""

    log: list[str] = []
    fail_for: set[str] = set()

    def open(self):
        if getattr(self, "is_open", False):
            return None
        self.is_open = True
        self.log.append("open")
        return True

    def close(self):
        if getattr(self, "is_open", False):
            self.is_open = False
            self.log.append("close")

    def send_messages(self, messages):
        assert getattr(self, "is_open", False), "sent outside a session"
        for message in messages:
            if message.to[0] in self.fail_for:
                raise ConnectionResetError("session dropped")
        self.log.append("send")
        return super().send_messages(messages)


class TestSendTask:
    """reminders_send: the task the dispatcher queues, a few reminders at a time."""

    @pytest.fixture
    def failing_sms(self, settings):
        settings.RELIEF_SMS_BACKEND = f"{__name__}.FailingBackend"
        settings.RELIEF_SMS_SENDING_HOURS = (0, 24)

    def test_one_failing_reminder_does_not_stop_the_others(
        self, appointment, therapist, failing_sms
    ):
        first = make(appointment)
        bad = make(appointment, channel="sms")
        last = make(AppointmentFactory(therapist=therapist, starts_at=_next_slot()))
        ids = [str(first.pk), str(bad.pk), str(last.pk)]
        assert tasks.reminders_send.apply(args=[ids]).get() == {"sent": 2, "retrying": 1}
        statuses = dict(Reminder.objects.values_list("pk", "status"))
        assert statuses == {first.pk: "sent", bad.pk: "pending", last.pk: "sent"}
        assert len(mail.outbox) == 2
        bad.refresh_from_db()
        assert bad.attempts == 1
        assert bad.last_error == "ConnectionError: provider unreachable"
        # Due again on its own after the first backoff wait, unclaimed: the
        # retry waits in the database, not on the broker.
        assert bad.claimed_at is None
        assert timedelta(seconds=25) < bad.due_at - timezone.now() <= timedelta(seconds=30)

    def test_a_failed_reminder_is_claimed_again_once_its_wait_is_over(
        self, appointment, failing_sms
    ):
        reminder = make(appointment, channel="sms")
        assert tasks.reminders_send.apply(args=[[str(reminder.pk)]]).get() == {"retrying": 1}
        claim = dispatch.reminders_claim_due
        assert claim(enqueue=lambda chunk: None) == []
        later = timezone.now() + timedelta(seconds=31)
        assert claim(now=later, enqueue=lambda chunk: None) == [reminder.pk]

    def test_without_retries_the_first_failure_is_final(self, appointment, settings, failing_sms):
        settings.RELIEF_REMINDER_MAX_RETRIES = 0
        reminder = make(appointment, channel="sms")
        assert tasks.reminders_send.apply(args=[[str(reminder.pk)]]).get() == {"failed": 1}
        reminder.refresh_from_db()
        assert reminder.status == Reminder.Status.FAILED
        assert reminder.attempts == 1

    def test_a_duplicate_task_sends_nothing_again(self, appointment):
        ids = [str(make(appointment).pk)]
        tasks.reminders_send.apply(args=[ids])
        assert tasks.reminders_send.apply(args=[ids]).get() == {"not pending": 1}
        assert len(mail.outbox) == 1

    def test_a_slow_task_hands_the_rest_to_a_new_task(self, therapist, monkeypatch):
        ids = [
            str(make(AppointmentFactory(therapist=therapist, starts_at=_next_slot())).pk)
            for _ in range(4)
        ]
        clock = [0.0]
        deliver = delivery.reminder_deliver

        def slow_deliver(**kwargs):
            clock[0] += 15  # each send takes 15 s: the third starts past the 20 s budget
            return deliver(**kwargs)

        monkeypatch.setattr(tasks, "monotonic", lambda: clock[0])
        monkeypatch.setattr(tasks.delivery, "reminder_deliver", slow_deliver)
        queued = []
        monkeypatch.setattr(tasks.reminders_send, "delay", queued.append)
        assert tasks.reminders_send.apply(args=[ids]).get() == {"sent": 2, "queued again": 2}
        assert queued == [ids[2:]]
        assert len(mail.outbox) == 2

    @pytest.fixture
    def sessions(self, settings):
        settings.EMAIL_BACKEND = f"{__name__}.SessionBackend"
        SessionBackend.log = []
        SessionBackend.fail_for = set()
        return SessionBackend

    def test_the_emails_of_a_task_share_one_mail_session(self, therapist, sessions):
        ids = [
            str(make(AppointmentFactory(therapist=therapist, starts_at=_next_slot())).pk)
            for _ in range(3)
        ]
        assert tasks.reminders_send.apply(args=[ids]).get() == {"sent": 3}
        assert sessions.log == ["open", "send", "send", "send", "close"]
        assert len(mail.outbox) == 3

    def test_after_a_failure_the_next_email_starts_a_new_session(self, therapist, sessions):
        appointments = [
            AppointmentFactory(therapist=therapist, starts_at=_next_slot()) for _ in range(3)
        ]
        ids = [str(make(appointment).pk) for appointment in appointments]
        sessions.fail_for = {appointments[1].client.email}
        result = tasks.reminders_send.apply(args=[ids]).get()
        assert result == {"sent": 2, "retrying": 1}
        assert sessions.log == ["open", "send", "close", "open", "send", "close"]

    def test_each_delivery_costs_the_same_few_queries(self, therapist):
        def queries(n):
            ids = [
                str(make(AppointmentFactory(therapist=therapist, starts_at=_next_slot())).pk)
                for _ in range(n)
            ]
            with CaptureQueriesContext(connection) as captured:
                assert tasks.reminders_send.apply(args=[ids]).get() == {"sent": n}
            return len(captured)

        # Per reminder: its transaction (a savepoint inside the test's), one
        # select locking the row with the appointment, client, therapist and
        # location, one update marking it sent.
        assert queries(2) == 2 * 4
        assert queries(12) == 12 * 4


def test_a_failure_before_the_last_attempt_keeps_it_pending_until_its_wait_is_over(appointment):
    now = timezone.now()
    reminder = make(appointment, attempts=2, claimed_at=now - timedelta(minutes=1))
    outcome = delivery.reminder_record_failure(reminder_id=reminder.pk, error="SMTP 451", now=now)
    assert outcome == "retrying"
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.PENDING
    assert reminder.last_error == "SMTP 451"
    assert reminder.attempts == 3
    assert reminder.claimed_at is None
    assert reminder.due_at == now + timedelta(minutes=2)  # the wait after a third failure


def test_retry_waits_grow_to_five_minutes():
    waits = [delivery.retry_wait(n).total_seconds() for n in range(1, 9)]
    assert waits[:4] == [30, 60, 120, 240]
    assert max(waits) == 300


class TestClaim:
    def test_claims_due_rows_and_queues_them_after_commit(
        self, appointment, django_capture_on_commit_callbacks
    ):
        due = make(appointment)
        make(appointment, kind=Reminder.Kind.BEFORE_2H, due_at=timezone.now() + timedelta(hours=1))
        queued = []
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            claimed = dispatch.reminders_claim_due(enqueue=queued.append)
        assert claimed == [due.pk]
        assert queued == []  # nothing goes to the broker before the commit
        for callback in callbacks:
            callback()
        assert queued == [[due.pk]]
        due.refresh_from_db()
        assert due.claimed_at is not None

    def test_claimed_reminders_are_queued_a_few_per_task(
        self, therapist, settings, django_capture_on_commit_callbacks
    ):
        settings.RELIEF_REMINDER_TASK_SIZE = 2
        for _ in range(5):
            make(AppointmentFactory(therapist=therapist, starts_at=_next_slot()))
        queued = []
        with django_capture_on_commit_callbacks(execute=True):
            claimed = dispatch.reminders_claim_due(enqueue=queued.append)
        assert [len(chunk) for chunk in queued] == [2, 2, 1]
        assert [pk for chunk in queued for pk in chunk] == claimed

    def test_claiming_costs_the_same_queries_for_2_or_40_rows(self, therapist):
        def claim_queries(n):
            for _ in range(n):
                make(AppointmentFactory(therapist=therapist, starts_at=_next_slot()))
            with CaptureQueriesContext(connection) as queries:
                assert len(dispatch.reminders_claim_due(enqueue=lambda chunk: None)) == n
            return len(queries)

        assert claim_queries(2) == claim_queries(40) <= 4

    def test_a_fresh_claim_is_not_claimed_again(self, appointment):
        make(appointment, claimed_at=timezone.now() - timedelta(minutes=2))
        assert dispatch.reminders_claim_due(enqueue=lambda chunk: None) == []

    def test_a_claim_past_its_lease_is_claimed_again(self, appointment, settings):
        settings.RELIEF_REMINDER_CLAIM_LEASE_SECONDS = 600
        stale = make(appointment, claimed_at=timezone.now() - timedelta(minutes=11))
        assert dispatch.reminders_claim_due(enqueue=lambda chunk: None) == [stale.pk]

    def test_the_beat_task_claims_in_batches(
        self, appointment, settings, monkeypatch, django_capture_on_commit_callbacks
    ):
        settings.RELIEF_REMINDER_BATCH_SIZE = 2
        for kind in Reminder.Kind.values:
            make(appointment, kind=kind)
        queued = []
        monkeypatch.setattr(dispatch, "_enqueue_send", queued.append)
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.reminders_dispatch.apply().get() == 4
        assert [len(chunk) for chunk in queued] == [2, 2]


class TestResend:
    def test_a_sent_reminder_is_armed_again_with_a_new_key(self, appointment, front_desk):
        reminder = make(appointment, status=Reminder.Status.SENT, sent_at=timezone.now())
        resent = outbox.reminder_resend(reminder=reminder, by=front_desk)
        assert resent.status == Reminder.Status.PENDING
        assert timezone.now() - resent.due_at < timedelta(minutes=1)
        assert resent.idempotency_key == f"{reminder.pk}-1"

    def test_a_failed_reminder_keeps_its_key(self, appointment, front_desk):
        # The provider may have accepted the failed attempt; the same key lets it drop a copy.
        reminder = make(appointment, status=Reminder.Status.FAILED, last_error="timeout")
        resent = outbox.reminder_resend(reminder=reminder, by=front_desk)
        assert resent.status == Reminder.Status.PENDING
        assert resent.last_error == ""
        assert resent.idempotency_key == str(reminder.pk)

    def test_a_pending_reminder_cannot_be_resent(self, appointment, front_desk):
        reminder = make(appointment)
        with pytest.raises(ValidationError):
            outbox.reminder_resend(reminder=reminder, by=front_desk)

    def test_no_resend_for_a_cancelled_appointment(self, appointment, front_desk):
        reminder = make(appointment, status=Reminder.Status.SENT)
        Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
        with pytest.raises(ValidationError, match="no longer upcoming"):
            outbox.reminder_resend(reminder=reminder, by=front_desk)
