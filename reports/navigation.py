from practice.security.access import Role
from practice.views.navigation import NavItem

NAV_ITEMS = [
    NavItem("Reports", "reports:index", frozenset({Role.OWNER, Role.THERAPIST})),
]
