"""The practice's online booking rules as plain values (pure: no models).

A location's settings become an `OnlineRules`; these functions say which
free start a client may take online and which only by calling.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

BOOK = "book"
CALL = "call"


@dataclass(frozen=True)
class OnlineRules:
    min_notice: timedelta
    horizon: timedelta
    same_day: bool
    max_upcoming: int
    new_clients: str  # "instant", "request" or "closed"
    request_hold: timedelta
    time_zone: str


def earliest_online(rules: OnlineRules, now: datetime) -> datetime:
    """The first instant a client may book online: after the notice and, with
    same-day bookings off, not before the next local midnight."""
    earliest = now + rules.min_notice
    if not rules.same_day:
        tz = ZoneInfo(rules.time_zone)
        tomorrow = now.astimezone(tz).date() + timedelta(days=1)
        earliest = max(earliest, datetime.combine(tomorrow, time.min, tzinfo=tz))
    return earliest


def bookable_window(rules: OnlineRules, now: datetime) -> tuple[datetime, datetime, datetime]:
    """(now, the first instant bookable online, the last instant offered)."""
    return now, earliest_online(rules, now), now + rules.horizon


def how_bookable_in(window: tuple[datetime, datetime, datetime], starts_at: datetime) -> str | None:
    """`how_bookable` for a `bookable_window` worked out once for many starts."""
    now, earliest, latest = window
    if starts_at <= now or starts_at > latest:
        return None
    return BOOK if starts_at >= earliest else CALL


def how_bookable(rules: OnlineRules, starts_at: datetime, now: datetime) -> str | None:
    """BOOK online, CALL (inside the notice or same-day window: offered as
    "call to book"), or None (past, or beyond the horizon: not offered)."""
    return how_bookable_in(bookable_window(rules, now), starts_at)


def refusal(rules: OnlineRules, starts_at: datetime, now: datetime) -> str | None:
    """Why `starts_at` cannot be booked online (a message for the client), or None."""
    verdict = how_bookable(rules, starts_at, now)
    if verdict == BOOK:
        return None
    if verdict == CALL:
        return "That time is too soon to book online. Please call us to book it."
    if starts_at <= now:
        return "That time has passed. Pick another time."
    return f"Online bookings open at most {rules.horizon.days} days ahead."


def over_limit(rules: OnlineRules, upcoming: int) -> bool:
    """Whether a client holding `upcoming` future bookings may not book one more."""
    return upcoming >= rules.max_upcoming


def request_expiry(rules: OnlineRules, starts_at: datetime, now: datetime) -> datetime:
    """When an unanswered request lets its time go: after the hold, and never
    later than the appointment itself."""
    return min(now + rules.request_hold, starts_at)
