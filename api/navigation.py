"""Menu entries of the api app's parts."""

from .rest.navigation import NAV_ITEMS as REST_ITEMS

NAV_ITEMS = [*REST_ITEMS]
