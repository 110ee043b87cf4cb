"""Menu entries of the api app's parts (practice.views.context_processors reads NAV_ITEMS)."""

from .exports.navigation import NAV_ITEMS as EXPORT_ITEMS
from .imports.navigation import NAV_ITEMS as IMPORT_ITEMS
from .rest.navigation import NAV_ITEMS as REST_ITEMS
from .webhooks.navigation import NAV_ITEMS as WEBHOOKS

NAV_ITEMS = [*REST_ITEMS, *WEBHOOKS, *EXPORT_ITEMS, *IMPORT_ITEMS]
