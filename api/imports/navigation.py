from practice.security.access import Role
from practice.views.navigation import MANAGE, NavItem

NAV_ITEMS = [
    NavItem("Import", "api:imports:start", frozenset({Role.OWNER}), group=MANAGE),
]
