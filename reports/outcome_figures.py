"""The outcomes report's figures, kept as last computed for each period, place and therapist.

Computed live, a year of a four-clinic chain takes about a second: every
session note, technique row and pain score of the year is read again per
view, and the figures move by a client or two a day. So the page shows the
figures kept for exactly its filters with the time they were computed:
within FRESH_FOR as they are; older (up to KEEP_FOR) as they are while a
worker computes them again; older still, or never asked for, computed live
(and kept). "Compute again now" computes them live on request. Any period,
location and therapist is still answered exactly, as of the time shown.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import KombuError

from practice.models import Location, Therapist

from . import selectors
from .models import OutcomeFigures
from .statistics import Median, Share

logger = logging.getLogger(__name__)

FRESH_FOR = timedelta(minutes=10)
KEEP_FOR = timedelta(hours=24)
REFRESH_TASK = "reports.tasks.outcome_figures_refresh"


@dataclass(frozen=True)
class Figures:
    improvement: dict
    session_change: list
    peg: dict
    computed_at: datetime

    @property
    def fresh(self) -> bool:
        return timezone.now() - self.computed_at <= FRESH_FOR


def key_of(*, start, end, location=None, therapist=None) -> str:
    """One row per period (its instants and clock), location and therapist; '*' for all."""
    place = location.pk if location is not None else "*"
    who = therapist.pk if therapist is not None else "*"
    return f"{start.isoformat()}|{end.isoformat()}|{start.tzinfo.key}|{place}|{who}"


def current(*, start, end, today, location=None, therapist=None) -> Figures:
    """The figures for these filters: kept ones when recent enough, else computed now."""
    query = {"start": start, "end": end, "location": location, "therapist": therapist}
    key = key_of(**query)
    row = OutcomeFigures.objects.filter(key=key).first()
    age = timezone.now() - row.computed_at if row is not None else None
    if age is None or age > KEEP_FOR:
        return _compute(key, today=today, **query)
    figures = _figures(row)
    if age > FRESH_FOR:
        _queue_refresh(key, today=today, **query)
    return figures


def recompute(*, start, end, today, location=None, therapist=None) -> Figures:
    """Compute the figures live and keep them (unless computed moments ago)."""
    query = {"start": start, "end": end, "location": location, "therapist": therapist}
    key = key_of(**query)
    row = OutcomeFigures.objects.filter(key=key).first()
    gap = timedelta(seconds=settings.RELIEF_OUTCOMES_RECOMPUTE_GAP_SECONDS)
    if row is not None and timezone.now() - row.computed_at < gap:
        return _figures(row)
    return _compute(key, today=today, **query)


def _compute(key, *, today, **query) -> Figures:
    computed_at = timezone.now()
    encoded = encode(
        {
            "improvement": selectors.pain_improvement(**query),
            "session_change": selectors.session_pain_change(**query),
            "peg": selectors.peg_review_change(today=today, **query),
        }
    )
    _keep(key, encoded, computed_at)
    return Figures(**decode(encoded), computed_at=computed_at)


def refresh(*, first_day, end_day, zone, today, location_id, therapist_id) -> bool:
    """A worker's recompute of a row found stale; False when its location or therapist is gone.

    The period comes as its first day and the day after its last, on the
    clock `zone`, and is rebuilt as the view built it (midnight there): an
    instant's offset alone would put days after a clock change on the wrong
    date, and where the clock skips midnight the instant read back differs.
    """
    tz = ZoneInfo(zone)
    start = datetime.combine(date.fromisoformat(first_day), time.min, tzinfo=tz)
    end = datetime.combine(date.fromisoformat(end_day), time.min, tzinfo=tz)
    today = date.fromisoformat(today)
    location = therapist = None
    try:
        if location_id is not None:
            location = Location.objects.get(pk=location_id)
        if therapist_id is not None:
            therapist = Therapist.objects.get(pk=therapist_id)
    except (Location.DoesNotExist, Therapist.DoesNotExist):
        return False
    recompute(start=start, end=end, today=today, location=location, therapist=therapist)
    cache.delete(_queued_key(key_of(start=start, end=end, location=location, therapist=therapist)))
    return True


def prune(*, now=None) -> int:
    """Drop figures too old to be shown (a view computes those again); returns how many."""
    now = now or timezone.now()
    deleted, _ = OutcomeFigures.objects.filter(computed_at__lt=now - KEEP_FOR).delete()
    return deleted


def _figures(row) -> Figures:
    return Figures(**decode(row.figures), computed_at=row.computed_at)


def _keep(key, encoded, computed_at) -> None:
    # Two recomputes of one key may race (a view and a worker): the later write wins.
    updated = OutcomeFigures.objects.filter(key=key).update(
        figures=encoded, computed_at=computed_at
    )
    if updated:
        return
    try:
        with transaction.atomic():
            OutcomeFigures.objects.create(key=key, figures=encoded, computed_at=computed_at)
    except IntegrityError:
        OutcomeFigures.objects.filter(key=key).update(figures=encoded, computed_at=computed_at)


def _queued_key(key: str) -> str:
    return f"outcome-figures:queued:{key}"


def _queue_refresh(key, *, start, end, today, location, therapist) -> None:
    # One queued recompute per row at a time, however many views find it stale.
    if not cache.add(_queued_key(key), 1, int(FRESH_FOR.total_seconds())):
        return
    kwargs = {
        "first_day": start.date().isoformat(),
        "end_day": end.date().isoformat(),
        "zone": start.tzinfo.key,
        "today": today.isoformat(),
        "location_id": location.pk if location is not None else None,
        "therapist_id": therapist.pk if therapist is not None else None,
    }
    try:
        current_app.send_task(REFRESH_TASK, kwargs=kwargs, retry=False)
    except (KombuError, OSError):
        # No broker: the page keeps showing the kept figures and their time,
        # and once the queued mark expires a later view tries again.
        logger.warning("Could not queue the outcome figures' recompute", exc_info=True)


# Kept as JSON with each value's type tagged, so the figures read back are
# equal to those computed: Decimal medians stay Decimal, shares stay Shares.
def encode(value):
    if isinstance(value, Share):
        fields = [value.successes, value.n, value.share, value.low, value.high, value.hidden]
        return {"share": fields}
    if isinstance(value, Median):
        return {
            "median": [value.n, encode(value.median), encode(value.low), encode(value.high)],
            "hidden": value.hidden,
        }
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, dict):
        return {"dict": {name: encode(item) for name, item in value.items()}}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"Cannot keep a {type(value).__name__} among the outcome figures")


def decode(value):
    if isinstance(value, list):
        return [decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "share" in value:
        return Share(*value["share"])
    if "median" in value:
        n, median, low, high = value["median"]
        return Median(n, decode(median), decode(low), decode(high), value["hidden"])
    if "decimal" in value:
        return Decimal(value["decimal"])
    return {name: decode(item) for name, item in value["dict"].items()}
