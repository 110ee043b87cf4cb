"""Menu entries of the api app's parts (practice.views.context_processors reads NAV_ITEMS)."""

from api.imports.navigation import NAV_ITEMS as IMPORT_ITEMS

NAV_ITEMS = [*IMPORT_ITEMS]
