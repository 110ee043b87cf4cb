from practice.security.access import Role
from practice.views.navigation import MANAGE, NavItem

from .selectors import charting_backlog_count

NAV_ITEMS = [
    NavItem(
        "Charting",
        "sessions:backlog",
        frozenset({Role.THERAPIST, Role.OWNER}),
        badge=charting_backlog_count,
    ),
    NavItem("Techniques", "sessions:techniques", frozenset({Role.OWNER}), group=MANAGE),
]
