from practice.access import STAFF
from practice.navigation import NavItem

NAV_ITEMS = [
    NavItem("Clients", "clients:list", STAFF),
]
