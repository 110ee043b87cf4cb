from practice.security.access import Role
from practice.views.navigation import NavItem

NAV_ITEMS = [
    NavItem("Reports", "reports:index", frozenset({Role.OWNER, Role.THERAPIST})),
    # Owner and therapists reach it from the reports page.
    NavItem("Recall list", "reports:recall", frozenset({Role.FRONT_DESK})),
]
