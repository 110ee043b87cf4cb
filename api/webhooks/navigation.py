from practice.security.access import Role
from practice.views.navigation import MANAGE, NavItem

NAV_ITEMS = [NavItem("Webhooks", "api:webhooks:list", frozenset({Role.OWNER}), group=MANAGE)]
