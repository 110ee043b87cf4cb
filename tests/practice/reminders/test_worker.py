"""Reminders end to end: real PostgreSQL, real Redis, real Celery worker processes.

The worker runs as a subprocess on the pytest-django test database, so these
tests commit their rows (transaction=True). It sends email through Django's
file backend and SMS through practice.reminders.sms.FileBackend into a temporary
directory, which is how the test counts what went out.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as clock_time
from email import message_from_string
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from bench.harness import CELERY_WORKER
from practice import services
from practice.celery import app as celery_app
from practice.models import Reminder
from practice.reminders import dispatch
from practice.reminders.tasks import reminder_send, reminders_dispatch
from tests.conftest import _unavailable
from tests.factories import ClientFactory, ServiceFactory

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[3]
DEADLINE_SECONDS = 60


def wait_until(predicate, what, timeout=DEADLINE_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"gave up waiting: {what}")


class Outbox:
    """What the worker processes sent, read from their files."""

    def __init__(self, root: Path):
        self.mail_dir = root / "mail"
        self.sms_dir = root / "sms"

    def emails(self) -> list[EmailMessage]:
        if not self.mail_dir.exists():
            return []
        messages = []
        for path in sorted(self.mail_dir.iterdir()):
            for chunk in path.read_text().split("\n" + "-" * 79 + "\n"):
                if chunk.strip():
                    messages.append(message_from_string(chunk.lstrip(), policy=default))
        return messages

    def sms(self) -> list[dict]:
        path = self.sms_dir / "sms.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line]

    def keys(self) -> list[str]:
        """Idempotency keys of everything sent, one entry per message."""
        keys = [m["X-Relief-Reminder"] for m in self.emails()]
        return keys + [m["idempotency_key"] for m in self.sms()]


class Workers:
    def __init__(self, root: Path, broker_url: str):
        self.root = root
        self.broker_url = broker_url
        self.processes: list[subprocess.Popen] = []

    def env(self, **extra) -> dict:
        db = settings.DATABASES["default"]
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        return {
            **os.environ,
            "DATABASE_URL": url,
            "CELERY_BROKER_URL": self.broker_url,
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.root / "mail"),
            "RELIEF_SMS_BACKEND": "practice.reminders.sms.FileBackend",
            "RELIEF_SMS_FILE_PATH": str(self.root / "sms"),
            "RELIEF_SMS_REMINDERS_ENABLED": "1",
            # Tests run at any hour; sending hours have their own unit tests.
            "RELIEF_SMS_SENDING_HOURS": "0-24",
            "DJANGO_LOG_LEVEL": "WARNING",
            **{k: str(v) for k, v in extra.items()},
        }

    def start(self, **extra) -> subprocess.Popen:
        log = (self.root / f"worker-{len(self.processes)}.log").open("wb")
        process = subprocess.Popen(
            [
                *CELERY_WORKER,
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                f"--hostname=test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            env=self.env(**extra),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        log_path = Path(log.name)
        wait_until(lambda: b"ready." in log_path.read_bytes(), "worker ready")
        return process

    def kill(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes:
            self.kill(process)


@pytest.fixture
def broker():
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.flushdb()  # nothing left over from an earlier run
    yield client
    client.flushdb()


@pytest.fixture
def workers(transactional_db, broker, tmp_path):
    pool = Workers(tmp_path, settings.CELERY_BROKER_URL)
    yield pool
    pool.stop_all()


@pytest.fixture
def outbox(tmp_path):
    return Outbox(tmp_path)


def calendar_of(email: EmailMessage) -> str:
    part = next(p for p in email.walk() if p.get_content_type() == "text/calendar")
    return part.get_content()


def queue_drained(broker) -> bool:
    """No task waiting in the queue and none delivered but unacknowledged."""
    return broker.llen("celery") == 0 and broker.hlen("unacked") == 0


@pytest.fixture
def book(settings, location, therapist, front_desk, works_every_day):
    works_every_day(therapist, location)
    settings.RELIEF_CONFIRMATION_GRACE_MINUTES = 0
    service = ServiceFactory(needs_room=False)
    therapist.services.add(service)

    booked = []

    def book(*, hours_ahead=72, sms=False):
        client = ClientFactory(consent_email_reminders=True, consent_sms_reminders=sms)
        # From 01:00 local on the day `hours_ahead` from now, two hours apart:
        # Dana's bookings never clash and never run past midnight.
        tz = ZoneInfo(location.time_zone)
        day = timezone.localtime(timezone.now() + timedelta(hours=hours_ahead), tz).date()
        start = datetime.combine(day, clock_time(1), tzinfo=tz) + timedelta(hours=2 * len(booked))
        booked.append(start)
        return services.appointment_book(
            client=client,
            therapist=therapist,
            service=service,
            starts_at=start,
            booked_by=front_desk,
            location=location,
        )

    return book


def test_booking_produces_the_confirmation_email(workers, outbox, book, broker):
    appointment = book()
    workers.start()
    # The beat task, run by the worker: it claims the confirmation and queues its send.
    reminders_dispatch.delay()
    confirmation = appointment.reminders.get(kind=Reminder.Kind.CONFIRMATION)
    wait_until(lambda: len(outbox.emails()) == 1, "confirmation email")
    wait_until(lambda: queue_drained(broker), "queue drained")
    confirmation.refresh_from_db()
    assert confirmation.status == Reminder.Status.SENT
    assert confirmation.attempts == 1
    email = outbox.emails()[0]
    assert email["To"] == appointment.client.email
    assert email["Subject"].strip().startswith("Your appointment on")
    assert "UID:" + f"{appointment.pk}@relief" in calendar_of(email)
    assert outbox.keys() == [str(confirmation.pk)]


def test_racing_dispatchers_and_duplicate_tasks_send_each_reminder_once(
    workers, outbox, book, broker
):
    for _ in range(10):
        book(sms=True)
    due = set(Reminder.objects.filter(kind=Reminder.Kind.CONFIRMATION).values_list("pk", flat=True))
    assert len(due) == 20  # email and SMS for each of 10 bookings
    claimed: list[list] = []
    start = threading.Barrier(2)

    def dispatcher():
        try:
            start.wait()
            claimed.append(dispatch.reminders_claim_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first, second = (set(ids) for ids in claimed)
    assert first.isdisjoint(second)
    assert first | second == due
    # A duplicated broker message for every reminder: still one send each.
    for pk in due:
        reminder_send.delay(str(pk))
    workers.start()
    wait_until(
        lambda: Reminder.objects.filter(pk__in=due, status=Reminder.Status.SENT).count() == 20,
        "all sent",
    )
    wait_until(lambda: queue_drained(broker), "queue drained")
    sent = outbox.keys()
    assert sorted(sent) == sorted(str(pk) for pk in due)
    assert len(outbox.emails()) == 10
    assert len(outbox.sms()) == 10


def redeliver_unacknowledged():
    """What Redis does for an unacked message once its visibility timeout passes."""
    with celery_app.connection_for_write(transport_options={"visibility_timeout": 0}) as conn:
        conn.default_channel.qos.restore_visible(num=100, interval=1)


def _row_locked(pk) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT id FROM practice_reminder WHERE id = %s FOR UPDATE NOWAIT", [pk])
    except OperationalError:
        return True
    return False


def test_worker_killed_mid_send_leads_to_exactly_one_send(workers, outbox, book, broker, settings):
    settings.RELIEF_REMINDER_CLAIM_LEASE_SECONDS = 1
    appointment = book()
    reminder = appointment.reminders.get(kind=Reminder.Kind.CONFIRMATION)
    # This worker stops inside the send transaction, holding the row, before sending.
    doomed = workers.start(RELIEF_REMINDER_TEST_SEND_DELAY=60)
    assert dispatch.reminders_claim_due() == [reminder.pk]
    wait_until(lambda: _row_locked(reminder.pk), "worker holds the reminder")
    workers.kill(doomed)
    wait_until(lambda: not _row_locked(reminder.pk), "lock released with the dead connection")
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.PENDING
    assert outbox.keys() == []
    # A new worker: the dispatcher's lease sweep queues the reminder again.
    workers.start()
    time.sleep(1.1)  # let the 1 s lease run out
    assert dispatch.reminders_claim_due() == [reminder.pk]
    wait_until(lambda: outbox.keys() != [], "sent after restart")
    # Later the broker redelivers the dead worker's unacknowledged message
    # (after the visibility timeout, brought forward here): it finds the
    # reminder sent and does nothing.
    assert broker.hlen("unacked") == 1
    redeliver_unacknowledged()
    wait_until(lambda: queue_drained(broker), "redelivered message processed")
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SENT
    assert outbox.keys() == [str(reminder.pk)]


def test_cancelled_appointments_reminders_are_never_sent(workers, outbox, book, broker):
    unheard = book()
    told = book()
    told.reminders.filter(kind=Reminder.Kind.CONFIRMATION).update(
        status=Reminder.Status.SENT, sent_at=timezone.now()
    )
    # The confirmation is claimed and its task is on the broker, then the
    # booking is cancelled before any worker picks it up.
    claimed = dispatch.reminders_claim_due()
    assert claimed == [unheard.reminders.get(kind=Reminder.Kind.CONFIRMATION).pk]
    services.appointment_cancel(appointment=unheard, by=None, reason="Booked by mistake")
    services.appointment_cancel(appointment=told, by=None, reason="Client ill")
    workers.start()
    reminders_dispatch.delay()
    wait_until(lambda: len(outbox.emails()) == 1, "the one cancellation notice")
    wait_until(lambda: queue_drained(broker), "queue drained")
    # The only message: the notice to the client who had heard of the booking.
    notice = told.reminders.get(kind=Reminder.Kind.CANCELLATION)
    assert outbox.keys() == [str(notice.pk)]
    assert "METHOD:CANCEL" in calendar_of(outbox.emails()[0])
    assert not unheard.reminders.filter(status=Reminder.Status.SENT).exists()
    assert not unheard.reminders.filter(kind=Reminder.Kind.CANCELLATION).exists()


def test_reschedule_sends_reminders_for_the_new_time_only(workers, outbox, book, broker, settings):
    settings.RELIEF_CONFIRMATION_GRACE_MINUTES = 60  # keep the confirmation out of the way
    tz = ZoneInfo("America/New_York")
    appointment = book(hours_ahead=72)
    old_start = appointment.starts_at
    reminder = appointment.reminders.get(kind=Reminder.Kind.BEFORE_48H)
    # The 48-hour reminder falls due and is queued; then the appointment moves.
    Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now())
    assert dispatch.reminders_claim_due() == [reminder.pk]
    new_start = old_start + timedelta(days=1, hours=3)
    moved = services.appointment_reschedule(appointment=appointment, starts_at=new_start, by=None)
    workers.start()
    wait_until(lambda: queue_drained(broker), "stale task processed")
    reminder.refresh_from_db()
    assert outbox.keys() == []
    assert reminder.status == Reminder.Status.PENDING
    assert reminder.due_at == new_start - timedelta(hours=48)
    # Time passes until the new due time.
    Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now())
    dispatch.reminders_claim_due()
    wait_until(lambda: len(outbox.emails()) == 1, "reminder for the new time")
    email = outbox.emails()[0]
    text = email.get_body(("plain",)).get_content()
    calendar = calendar_of(email)
    new_local, old_local = new_start.astimezone(tz), old_start.astimezone(tz)
    assert f"{new_local:%A} {new_local.day} {new_local:%B %Y} at {new_local:%H:%M}" in text
    assert f"{old_local:%A} {old_local.day} {old_local:%B}" not in text
    assert f"DTSTART;TZID=America/New_York:{new_local:%Y%m%dT%H%M%S}" in calendar
    assert moved.sequence == 1
    assert "SEQUENCE:1" in calendar


def test_a_failing_reminder_is_retried_alone_while_its_task_sends_the_rest(
    workers, outbox, book, broker
):
    for _ in range(2):
        book(sms=True)
    emails = set(
        Reminder.objects.filter(
            kind=Reminder.Kind.CONFIRMATION, channel=Reminder.Channel.EMAIL
        ).values_list("pk", flat=True)
    )
    # Nothing listens on port 1: every email fails, every SMS goes out.
    workers.start(EMAIL_URL="smtp://127.0.0.1:1")
    assert len(dispatch.reminders_claim_due()) == 4  # one send task for all four
    wait_until(lambda: len(outbox.sms()) == 2, "both SMS sent")
    wait_until(
        lambda: Reminder.objects.filter(pk__in=emails, attempts=1).count() == 2, "failures kept"
    )
    for reminder in Reminder.objects.filter(pk__in=emails):
        assert reminder.status == Reminder.Status.PENDING
        assert reminder.last_error.startswith("ConnectionRefusedError")
    # Each failed email waits for its own retry, the second attempt, 30 s
    # later, in the database: nothing is left on the broker meanwhile.
    wait_until(lambda: queue_drained(broker), "queue drained")
    for reminder in Reminder.objects.filter(pk__in=emails):
        assert reminder.claimed_at is None
        assert timedelta(seconds=15) < reminder.due_at - timezone.now() <= timedelta(seconds=30)


# Changes racing a send: a worker holds the reminder's row lock for
# SEND_DELAY seconds inside delivery (as a slow relay would) while the test
# moves or cancels the appointment.
SEND_DELAY = 3


def says(email: EmailMessage, starts_at) -> bool:
    local = starts_at.astimezone(ZoneInfo("America/New_York"))
    text = email.get_body(("plain",)).get_content()
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}" in text


@pytest.fixture
def sending(workers):
    """Start a slow worker, claim `reminder` and return once the worker holds its lock."""

    def sending(reminder):
        workers.start(RELIEF_REMINDER_TEST_SEND_DELAY=SEND_DELAY)
        assert dispatch.reminders_claim_due() == [reminder.pk]
        wait_until(lambda: _row_locked(reminder.pk), "worker sending the reminder")

    return sending


def test_moving_while_the_confirmation_is_sent_sends_the_new_time(outbox, book, broker, sending):
    appointment = book()
    old_start = appointment.starts_at
    confirmation = appointment.reminders.get(kind=Reminder.Kind.CONFIRMATION)
    sending(confirmation)
    new_start = old_start + timedelta(days=1)
    services.appointment_reschedule(appointment=appointment, starts_at=new_start, by=None)
    # The move waited for the send: the confirmation is due again for the new time.
    assert dispatch.reminders_claim_due() == [confirmation.pk]
    wait_until(lambda: len(outbox.emails()) == 2, "confirmation of the new time")
    wait_until(lambda: queue_drained(broker), "queue drained")
    first, second = outbox.emails()
    assert says(first, old_start)
    assert says(second, new_start)
    assert "SEQUENCE:1" in calendar_of(second)
    assert outbox.keys() == [str(confirmation.pk), f"{confirmation.pk}-1"]


def test_cancelling_while_the_confirmation_is_sent_sends_a_cancellation_notice(
    outbox, book, broker, sending
):
    appointment = book()
    confirmation = appointment.reminders.get(kind=Reminder.Kind.CONFIRMATION)
    sending(confirmation)
    services.appointment_cancel(appointment=appointment, by=None, reason="Client ill")
    notices = list(appointment.reminders.filter(kind=Reminder.Kind.CANCELLATION))
    assert [notice.channel for notice in notices] == [Reminder.Channel.EMAIL]
    assert dispatch.reminders_claim_due() == [notices[0].pk]
    wait_until(lambda: len(outbox.emails()) == 2, "the cancellation notice")
    wait_until(lambda: queue_drained(broker), "queue drained")
    booking, notice = outbox.emails()
    assert says(booking, appointment.starts_at)
    assert notice["Subject"].strip().startswith("Cancelled")
    assert "METHOD:CANCEL" in calendar_of(notice)
    assert outbox.keys() == [str(confirmation.pk), str(notices[0].pk)]


@pytest.fixture
def sending_48h(book, settings, sending):
    """An appointment whose 48-hour reminder a worker is sending right now."""
    settings.RELIEF_CONFIRMATION_GRACE_MINUTES = 60  # keep the confirmation out of the way
    appointment = book()
    reminder = appointment.reminders.get(kind=Reminder.Kind.BEFORE_48H)
    Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now())
    sending(reminder)
    return appointment, reminder


def test_moving_while_the_48h_reminder_is_sent_reminds_again_under_a_new_key(
    outbox, broker, sending_48h
):
    appointment, reminder = sending_48h
    old_start = appointment.starts_at
    new_start = old_start + timedelta(days=1)
    services.appointment_reschedule(appointment=appointment, starts_at=new_start, by=None)
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.PENDING
    assert reminder.due_at == new_start - timedelta(hours=48)
    assert reminder.send_round == 1
    # Time passes until the new due time.
    Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now())
    assert dispatch.reminders_claim_due() == [reminder.pk]
    wait_until(lambda: len(outbox.emails()) == 2, "reminder for the new time")
    wait_until(lambda: queue_drained(broker), "queue drained")
    first, second = outbox.emails()
    assert says(first, old_start)
    assert says(second, new_start)
    assert outbox.keys() == [str(reminder.pk), f"{reminder.pk}-1"]
    assert first["Message-ID"] != second["Message-ID"]


def test_moving_closer_while_the_48h_reminder_is_sent_keeps_it_sent(outbox, broker, sending_48h):
    appointment, reminder = sending_48h
    # Noon on the day 30 hours from now: 18 to 42 hours ahead, so its 48-hour
    # mark is past whatever the time of day (a day earlier than the booking, at
    # 01:00, was still 48.6 hours ahead when run just after midnight).
    tz = ZoneInfo(appointment.location.time_zone)
    day = timezone.localtime(timezone.now() + timedelta(hours=30), tz).date()
    new_start = datetime.combine(day, clock_time(12), tzinfo=tz)
    services.appointment_reschedule(appointment=appointment, starts_at=new_start, by=None)
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SENT
    assert reminder.sent_at is not None
    assert reminder.skip_reason == ""
    wait_until(lambda: queue_drained(broker), "queue drained")
    assert outbox.keys() == [str(reminder.pk)]


def _blocked_by_this_session() -> bool:
    with connection.cursor() as cursor:
        # pg_stat_activity is read once per transaction unless told otherwise.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))"
        )
        return cursor.fetchone()[0] > 0


def test_a_confirmation_sent_just_after_a_move_names_the_new_time(workers, outbox, book, broker):
    appointment = book()
    confirmation = appointment.reminders.get(kind=Reminder.Kind.CONFIRMATION)
    workers.start()
    new_start = appointment.starts_at + timedelta(days=1)
    with transaction.atomic():
        services.appointment_reschedule(appointment=appointment, starts_at=new_start, by=None)
        # The send task arrives while the move is still deciding: it must wait
        # for the move and then read the appointment as moved.
        reminder_send.delay(str(confirmation.pk))
        wait_until(
            lambda: _blocked_by_this_session() or outbox.emails(), "worker waiting for the move"
        )
    wait_until(lambda: len(outbox.emails()) == 1, "the confirmation")
    wait_until(lambda: queue_drained(broker), "queue drained")
    [email] = outbox.emails()
    assert says(email, new_start)
    assert "SEQUENCE:1" in calendar_of(email)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own, on a free port, to stop and start at will."""

    def __init__(self, root: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = root / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        command += ["--daemonize", "no"]
        self.process = subprocess.Popen(
            command, stdout=self.log.open("ab"), stderr=subprocess.STDOUT
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        wait_until(lambda: _answers(client), "redis-server up", timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def _answers(client) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


@pytest.fixture
def own_redis(tmp_path):
    if shutil.which("redis-server") is None:
        _unavailable("needs redis-server on PATH to restart a broker")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def test_a_retry_survives_a_broker_restart_and_the_worker_sends_it_once(
    transactional_db, own_redis, outbox, book, tmp_path
):
    pool = Workers(tmp_path, own_redis.url)
    fail_once = tmp_path / "fail-once"
    fail_once.touch()
    appointment = book(sms=True)
    appointment.reminders.filter(channel=Reminder.Channel.EMAIL).delete()
    reminder = appointment.reminders.get(kind=Reminder.Kind.CONFIRMATION)

    def dispatch_to_own_broker():
        with celery_app.connection_for_write(own_redis.url) as conn:
            return dispatch.reminders_claim_due(
                enqueue=lambda chunk: celery_app.send_task(
                    dispatch.SEND_TASK, args=[[str(pk) for pk in chunk]], connection=conn
                )
            )

    try:
        worker = pool.start(
            RELIEF_SMS_BACKEND="tests.practice.reminders.flaky_sms.FailOnceBackend",
            RELIEF_TEST_SMS_FAIL_ONCE=fail_once,
        )
        assert dispatch_to_own_broker() == [reminder.pk]
        wait_until(
            lambda: Reminder.objects.filter(pk=reminder.pk, attempts=1).exists(), "first failure"
        )
        # The broker restarts (losing everything it held) while the retry waits.
        own_redis.stop()
        own_redis.start()
        log = tmp_path / "worker-0.log"
        wait_until(
            lambda: log.read_text().count("Connected to redis") >= 2 or worker.poll() is not None,
            "worker reconnected",
        )
        assert worker.poll() is None, log.read_text()[-3000:]
        # Time passes until the retry is due; the next dispatch claims it.
        Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now())
        assert dispatch_to_own_broker() == [reminder.pk]
        wait_until(lambda: outbox.sms() != [], "sent after the restart")
        reminder.refresh_from_db()
        assert reminder.status == Reminder.Status.SENT
        assert reminder.attempts == 2
        assert [m["idempotency_key"] for m in outbox.sms()] == [str(reminder.pk)]
        assert worker.poll() is None, log.read_text()[-3000:]
    finally:
        pool.stop_all()
