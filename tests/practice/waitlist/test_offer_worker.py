"""The offer goes out within one beat cycle of the cancellation: a real Celery
worker process on the test database and Redis, email through Django's file
backend (the harness of tests/practice/reminders/test_worker.py)."""

import time

import pytest
import redis
from django.conf import settings

from practice import services as practice_services
from practice.models import FreedTime, WaitlistOffer
from practice.waitlist.tasks import waitlist_process
from tests.practice.reminders import test_worker as harness
from tests.practice.reminders.test_worker import wait_until

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]
BEAT_SECONDS = 60


@pytest.fixture
def broker():
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def workers(transactional_db, broker, tmp_path):
    pool = harness.Workers(tmp_path, settings.CELERY_BROKER_URL)
    yield pool
    pool.stop_all()


@pytest.fixture
def outbox(tmp_path):
    return harness.Outbox(tmp_path)


def test_a_cancellation_sends_the_offer_within_a_beat_cycle(workers, outbox, world, wait):
    entry = wait()
    workers.start()
    started = time.monotonic()
    # The commit queues the matcher (on_commit); no beat runs in this test.
    practice_services.appointment_cancel(appointment=world["booked"], by=None)
    wait_until(lambda: len(outbox.emails()) == 1, "offer email", timeout=BEAT_SECONDS)
    elapsed = time.monotonic() - started
    email = outbox.emails()[0]
    assert email["To"] == entry.client.email
    assert "/my/offers/" in email.get_body(("plain",)).get_content()
    assert WaitlistOffer.objects.get().sent_at is not None
    print(f"offer emailed {elapsed:.2f} s after the cancellation committed")
    assert elapsed < BEAT_SECONDS


def test_a_lost_task_message_is_picked_up_by_the_beat_sweep(workers, outbox, world, wait, broker):
    wait()
    practice_services.appointment_cancel(appointment=world["booked"], by=None)
    # The after-commit message is lost before any worker runs.
    broker.delete("celery")
    assert FreedTime.objects.get().processed_at is None
    workers.start()
    waitlist_process.delay()  # what beat sends every minute
    wait_until(lambda: len(outbox.emails()) == 1, "offer email from the sweep")
    assert FreedTime.objects.get().processed_at is not None
