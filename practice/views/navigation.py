from collections.abc import Callable
from dataclasses import dataclass

from practice.security.access import STAFF, Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset
    # Optional callable(request) -> a short count shown beside the label.
    badge: Callable | None = None
    # Optional callable(request) -> bool, for rules beyond roles (asked per request).
    allowed: Callable | None = None
    # Items of one group share a dropdown, so the bar fits an owner's dozen pages.
    group: str = ""


MANAGE = "Manage"


def _may_book(request) -> bool:
    # Therapists book only where the practice lets them manage every calendar.
    from practice.selectors import can_book

    return can_book(request.user)


NAV_ITEMS = [
    NavItem("Today", "practice:home", STAFF),
    NavItem("Calendar", "practice:calendar_day", STAFF),
    NavItem("Book", "practice:book", STAFF, allowed=_may_book),
    NavItem("Waitlist", "waitlist:list", STAFF),
    NavItem("Texts", "reminders:sms_inbox", frozenset({Role.OWNER, Role.FRONT_DESK})),
    # Online booking requests waiting for an answer (portal.online).
    NavItem("Requests", "online:requests", frozenset({Role.OWNER, Role.FRONT_DESK})),
    NavItem("Setup", "practice:setup", frozenset({Role.OWNER}), group=MANAGE),
    NavItem("Staff", "owner:staff", frozenset({Role.OWNER}), group=MANAGE),
    NavItem("Audit log", "owner:audit_log", frozenset({Role.OWNER}), group=MANAGE),
]


def _debug(request) -> bool:
    from django.conf import settings

    return settings.DEBUG


# Development only: where the emails went (the file backend under var/).
NAV_ITEMS.append(
    NavItem(
        "Sent messages",
        "reminders:sent_messages",
        frozenset({Role.OWNER}),
        allowed=_debug,
        group=MANAGE,
    )
)
# Therapists subscribe to their own appointments from a calendar app.
NAV_ITEMS.append(NavItem("Calendar feed", "reminders:calendar_feed", frozenset({Role.THERAPIST})))
