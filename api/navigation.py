"""Menu entries of the api app's parts (practice.views.context_processors reads NAV_ITEMS)."""

from api.imports.navigation import NAV_ITEMS as IMPORT_ITEMS
from api.webhooks.navigation import NAV_ITEMS as WEBHOOKS

NAV_ITEMS = [*WEBHOOKS, *IMPORT_ITEMS]
