"""Slow down guessing of link tokens: a per-address counter in the cache."""

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 15 * 60


def client_ip(request) -> str | None:
    # Same address resolution as the login throttle (honours AXES_PROXY_COUNT).
    return get_client_ip_address(request)


def _key(request):
    return f"relief:link-guess:{client_ip(request)}"


def guesses_exceeded(request) -> bool:
    return cache.get(_key(request), 0) >= settings.RELIEF_LINK_GUESS_LIMIT


def guess_failed(request) -> None:
    key = _key(request)
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
