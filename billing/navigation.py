from practice.security.access import Role
from practice.views.navigation import MANAGE, NavItem

NAV_ITEMS = [
    NavItem("Day sheet", "billing:day_sheet", frozenset({Role.OWNER, Role.FRONT_DESK})),
    NavItem("My takings", "billing:my_takings", frozenset({Role.THERAPIST})),
    NavItem("Packages", "billing:package_products", frozenset({Role.OWNER}), group=MANAGE),
]
