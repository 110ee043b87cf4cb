"""Sign-in counters in the shared cache: per client address (IP) and per contact.

A contact's counter is keyed by a hash of the normalised email or phone, so
the cache never holds the address itself.
"""

import hashlib

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache

WINDOW_SECONDS = 15 * 60


def _key(kind: str, value: str) -> str:
    return f"relief:portal:{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def _count(key: str) -> int:
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        # One round trip, not three (Django's add, then incr's exists and
        # incrby): SET NX starts the window and INCR counts, in one MULTI so
        # the window cannot lapse between them (an INCR on its own would make
        # a counter that never expires). The value stays a plain integer,
        # which the cache's get() reads back as one.
        stored = backend.make_and_validate_key(key)
        redis = backend._cache.get_client(stored, write=True)
        _, count = (
            redis.pipeline(transaction=True)
            .set(stored, 0, ex=WINDOW_SECONDS, nx=True)
            .incr(stored)
            .execute()
        )
        return count
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        return 1


def client_ip(request) -> str:
    # The same address resolution as the staff sign-in throttle (proxy-aware).
    return get_client_ip_address(request) or ""


def code_request_allowed(*, ip: str, contact: str) -> bool:
    """Count one code request; False once the address or the contact asked too often."""
    by_ip = _count(_key("request-ip", ip))
    by_contact = _count(_key("request-contact", contact))
    return (
        by_ip <= settings.RELIEF_PORTAL_REQUESTS_PER_IP
        and by_contact <= settings.RELIEF_PORTAL_CODES_PER_CONTACT
    )


def failures_exceeded(*, ip: str) -> bool:
    return (cache.get(_key("failure-ip", ip)) or 0) >= settings.RELIEF_PORTAL_FAILURES_PER_IP


def failure(*, ip: str) -> None:
    _count(_key("failure-ip", ip))


def online_booking_allowed(*, ip: str) -> bool:
    """Count one new client's online booking from this address (IP)."""
    return _count(_key("online-book-ip", ip)) <= settings.RELIEF_ONLINE_BOOKINGS_PER_IP
