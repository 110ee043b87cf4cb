"""The api app's menu entries, one list per part."""

from api.webhooks.navigation import NAV_ITEMS as WEBHOOKS

NAV_ITEMS = [*WEBHOOKS]
