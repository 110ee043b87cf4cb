"""Which clock a time is read on.

Storage is UTC. An appointment's times are shown and typed on the clock of
its own location (`{% local_time %}` in templates, `RescheduleForm`), never
in whatever zone happens to be active. The zone the middleware activates is
the main location's, for the few times that belong to no location (audit
entries, when a feed was made).
"""

from contextvars import ContextVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

# Per database: databases that share one Redis (a copy beside the original,
# a restored backup under another name) must not read each other's zones.
CACHE_KEY = f"relief:location-time-zones:{settings.DATABASES['default']['NAME']}"
# The names the middleware read for the request being served: a page asks
# again for `name_zones`, and a second cache round trip per page was
# measurable beside the signed-in floor.
_request_zones: ContextVar[list[str] | None] = ContextVar("relief_location_zones", default=None)


def _location_zones() -> list[str]:
    """Every location's zone name, the main location's first (cached until a
    location is saved or deleted).

    One small query serves both the practice zone and "are several zones in
    use", so naming zones costs nothing beyond what the middleware already read.
    Not cached for a minute: the request after each expiry paid that query on
    top of its page's own (a booking POST counted 16 queries against its 15).
    """
    names = _request_zones.get()
    if names is not None:
        return names
    names = cache.get(CACHE_KEY)
    if names is None:
        from practice.models import Location

        names = list(Location.objects.order_by("pk").values_list("time_zone", flat=True))
        cache.set(CACHE_KEY, names, None)
    return names


def practice_time_zone() -> ZoneInfo:
    """The time zone of the practice's main location."""
    names = _location_zones()
    return ZoneInfo(names[0] if names else settings.TIME_ZONE)


def several_zones_in_use() -> bool:
    """The practice has locations in more than one time zone, so times name theirs."""
    return len(set(_location_zones())) > 1


class PracticeTimezoneMiddleware:
    """Render times that belong to no location in the main location's zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        names = _location_zones()
        token = _request_zones.set(names)
        timezone.activate(ZoneInfo(names[0] if names else settings.TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
            _request_zones.reset(token)


def forget_location_zones() -> None:
    """After a location's zone changed: read the zones afresh, in this request too,
    and once more after the commit (a request between the change and its
    commit may have cached the zones as they were)."""
    cache.delete(CACHE_KEY)
    _request_zones.set(None)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: cache.delete(CACHE_KEY))


def location_changed(sender, **kwargs) -> None:
    """Any location saved or deleted, whoever wrote it (the setup pages through
    `location_save`, the demo, the bench's generator, a shell): the zones are
    read again. Connected in `PracticeConfig.ready`."""
    forget_location_zones()
