from practice.security.access import STAFF
from practice.views.navigation import MANAGE, NavItem

from .services import may_hold_token

NAV_ITEMS = [
    NavItem(
        "API tokens",
        "api:tokens",
        STAFF,
        allowed=lambda request: may_hold_token(request.user),
        group=MANAGE,
    )
]
