from functools import cache
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from practice.security.access import roles_of
from practice.security.kiosk import kiosk_state
from practice.timezones import several_zones_in_use


# Once per process: the app registry is fixed after start-up, and looking for
# the modules again (a failed import per app without one) cost a third of a
# millisecond on every page.
@cache
def _nav_entries():
    """NAV_ITEMS from each local app's navigation module, in app order.

    The module is `<app>.navigation`, or the one an AppConfig names in its
    `navigation_module` attribute.
    """
    entries = []
    for config in apps.get_app_configs():
        name = getattr(config, "navigation_module", f"{config.name}.navigation")
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        entries.extend(module.NAV_ITEMS)
    return tuple(entries)


@cache
def _menu_url(url_name, urlconf, script_prefix, root_urlconf):
    # The same score or so of links on every page; keyed by what reverse() reads.
    return reverse(url_name)


def navigation(request):
    """The menu: only what the user's roles may use.

    Each app lists its entries in its navigation module as NavItem objects.
    """
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None else frozenset()
    return {
        # Lazy: htmx partials never render the menu, so they never pay for
        # its badge queries.
        "nav_items": SimpleLazyObject(lambda: _menu(request, roles)),
        "user_roles": sorted(roles),
        # The tablet is with a client: no staff menu, even on an error page.
        "kiosk_mode": kiosk_state(request) is not None,
        "practice_name": settings.RELIEF_PRACTICE_NAME,
        "practice_phone": settings.RELIEF_PRACTICE_PHONE,
    }


def _menu(request, roles):
    """Menu entries in app order; a group's items gather in one dropdown entry
    where the group first appears."""
    items, groups = [], {}
    for entry in _nav_entries():
        if roles & entry.roles and (entry.allowed is None or entry.allowed(request)):
            url = _menu_url(
                entry.url_name, get_urlconf(), get_script_prefix(), settings.ROOT_URLCONF
            )
            item = {
                "label": entry.label,
                "url": url,
                "active": request.path == url or (url != "/" and request.path.startswith(url)),
                "badge": entry.badge(request) if entry.badge else None,
            }
            if not entry.group:
                items.append(item)
            elif entry.group in groups:
                groups[entry.group]["items"].append(item)
            else:
                groups[entry.group] = {"group": entry.group, "items": [item]}
                items.append(groups[entry.group])
    for group in groups.values():
        group["active"] = any(item["active"] for item in group["items"])
    return items


def time_zones(request):
    """`name_zones`: times carry their zone when locations are in several zones.
    Lazy, and read once per render however many times a page prints."""
    return {"name_zones": SimpleLazyObject(lambda: several_zones_in_use())}
