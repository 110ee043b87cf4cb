"""Therapists' personal calendar feeds: a secret URL per therapist.

The token is shown once when it is made; only its SHA-256 is stored, so a
database leak does not leak working feed URLs. Making a new one ends the old.
"""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from practice.models import Appointment, CalendarFeed, Therapist

# What a feed shows: recent history for context, and the months ahead.
PAST = timedelta(days=30)
AHEAD = timedelta(days=180)
# Calendar apps poll often; record a fetch at most this often.
FETCH_RECORD_INTERVAL = timedelta(hours=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_regenerate(*, therapist: Therapist) -> str:
    """Make a new feed token for `therapist` (the old URL stops working)."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.update_or_create(
            therapist=therapist,
            defaults={
                "token_hash": _hash(token),
                "created_at": timezone.now(),
                "last_fetched_at": None,
            },
        )
    return token


def calendar_feed_delete(*, therapist: Therapist) -> None:
    CalendarFeed.objects.filter(therapist=therapist).delete()


def calendar_feed_for_token(token: str, *, now=None) -> CalendarFeed | None:
    """The feed a token opens (recording the fetch), or None."""
    now = now or timezone.now()
    feed = (
        CalendarFeed.objects.select_related("therapist")
        .filter(token_hash=_hash(token), therapist__active=True)
        .first()
    )
    if feed is not None and (
        feed.last_fetched_at is None or now - feed.last_fetched_at > FETCH_RECORD_INTERVAL
    ):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
    return feed


def feed_appointments(*, therapist: Therapist, now=None):
    """A therapist's appointments for the feed: active ones and cancellations."""
    now = now or timezone.now()
    return (
        Appointment.objects.filter(
            therapist=therapist, starts_at__gte=now - PAST, starts_at__lt=now + AHEAD
        )
        .exclude(status=Appointment.Status.NO_SHOW)
        .select_related("client", "service", "location", "therapist")
        .order_by("starts_at")
    )
