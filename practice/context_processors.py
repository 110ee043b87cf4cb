from django.conf import settings
from django.urls import reverse

from .access import Role, roles_of

# (label, url name, roles that see it). Only what a role may use is shown.
NAV_ITEMS = [
    ("Today", "practice:home", {Role.OWNER, Role.THERAPIST, Role.FRONT_DESK}),
]


def navigation(request):
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None else frozenset()
    items = []
    for label, name, allowed in NAV_ITEMS:
        if roles & allowed:
            url = reverse(name)
            items.append({"label": label, "url": url, "active": request.path == url})
    return {
        "nav_items": items,
        "user_roles": sorted(roles),
        "practice_name": settings.RELIEF_PRACTICE_NAME,
        "practice_phone": settings.RELIEF_PRACTICE_PHONE,
    }
