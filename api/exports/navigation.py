from practice.security.access import Role
from practice.views.navigation import MANAGE, NavItem

NAV_ITEMS = [
    NavItem("Export", "api:exports:index", frozenset({Role.OWNER}), group=MANAGE),
]
