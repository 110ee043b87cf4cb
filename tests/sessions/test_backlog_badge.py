"""The charting badge counts off the request once its count is a minute old."""

import time

import pytest
from django.core.cache import cache
from django.urls import reverse
from kombu.exceptions import OperationalError

from sessions import selectors, services, tasks
from tests.sessions.conftest import make_appointment, sign

BADGE = 'Charting <span class="badge text-bg-warning">{}</span>'


@pytest.fixture
def queued(monkeypatch):
    """Tasks the badge queues, as a worker would receive them (name, args)."""
    sent = []

    class Broker:
        def send_task(self, name, args=(), **options):
            sent.append((name, list(args)))

    monkeypatch.setattr(selectors, "current_app", Broker())
    cache.clear()
    return sent


def _backlog_page(http):
    return http.get(reverse("sessions:backlog")).content.decode()


def _make_stale(therapist_id):
    key = selectors._backlog_badge_key(therapist_id)
    count, counted_at = cache.get(key)
    cache.set(key, (count, counted_at - selectors.BACKLOG_BADGE_SECONDS - 1))


def test_a_stale_count_is_shown_and_counted_again_by_a_worker_once(
    client_as, therapist, dana_client, queued
):
    make_appointment(therapist, dana_client, days_ago=1)
    http = client_as("therapist")
    assert BADGE.format(1) in _backlog_page(http)  # nothing cached: counted here
    assert queued == []

    make_appointment(therapist, dana_client, days_ago=2)  # not a note change: no drop
    assert BADGE.format(1) in _backlog_page(http)  # fresh: as cached
    _make_stale(therapist.pk)
    assert BADGE.format(1) in _backlog_page(http)  # stale: still shown, a count queued
    assert BADGE.format(1) in _backlog_page(http)  # already queued: not again
    assert queued == [(selectors.BACKLOG_BADGE_TASK, [therapist.pk])]

    name, args = queued[0]
    assert name == f"{tasks.__name__}.charting_backlog_badge_refresh"
    assert tasks.charting_backlog_badge_refresh.apply(args=args).get() == 2
    assert BADGE.format(2) in _backlog_page(http)
    _make_stale(therapist.pk)
    _backlog_page(http)
    assert len(queued) == 2  # the worker's count cleared the queued mark


def test_the_owner_badge_counts_every_therapist_off_the_request(
    client_as, therapist, other_therapist, dana_client, queued
):
    make_appointment(therapist, dana_client, days_ago=1)
    http = client_as("owner")
    assert BADGE.format(1) in _backlog_page(http)
    make_appointment(other_therapist, dana_client, days_ago=3, status="completed")
    _make_stale(None)
    _backlog_page(http)
    assert queued == [(selectors.BACKLOG_BADGE_TASK, [None])]
    tasks.charting_backlog_badge_refresh.apply(args=[None])
    assert BADGE.format(2) in _backlog_page(http)


def test_signing_a_note_drops_the_count_so_it_shows_at_once(
    client_as, therapist, appointment, queued
):
    http = client_as("therapist")
    assert BADGE.format(1) in _backlog_page(http)
    draft = services.note_open_for_appointment(appointment=appointment, user=therapist.user)
    sign(draft, therapist.user)
    page = _backlog_page(http)
    assert "Charting <span" not in page  # counted again at once: zero shows nothing
    assert queued == []


def test_without_a_broker_the_page_keeps_the_last_count(
    client_as, therapist, dana_client, monkeypatch
):
    class DownBroker:
        def send_task(self, *args, **options):
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(selectors, "current_app", DownBroker())
    cache.clear()
    make_appointment(therapist, dana_client, days_ago=1)
    http = client_as("therapist")
    _backlog_page(http)
    _make_stale(therapist.pk)
    response = http.get(reverse("sessions:backlog"))
    assert response.status_code == 200
    assert BADGE.format(1) in response.content.decode()
    assert time.time() - cache.get(selectors._backlog_badge_key(therapist.pk))[1] > 60
