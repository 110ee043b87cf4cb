from collections.abc import Callable
from dataclasses import dataclass

from .access import STAFF, Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset
    # Optional callable(request) -> a short count shown beside the label.
    badge: Callable | None = None


NAV_ITEMS = [
    NavItem("Today", "practice:home", STAFF),
]

# Therapists subscribe to their own appointments from a calendar app.
NAV_ITEMS.append(NavItem("Calendar feed", "reminders:calendar_feed", frozenset({Role.THERAPIST})))
