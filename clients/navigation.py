from practice.security.access import STAFF
from practice.views.navigation import NavItem

NAV_ITEMS = [
    NavItem("Clients", "clients:list", STAFF),
]
