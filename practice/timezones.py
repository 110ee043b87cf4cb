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
# a restored backup under another name) must not read each other's locations.
CACHE_KEY = f"relief:locations:{settings.DATABASES['default']['NAME']}"
# The locations the middleware read for the request being served: a page asks
# again for `name_zones` and for its location list, and a second cache round
# trip per page was measurable beside the signed-in floor.
_request_locations: ContextVar[list | None] = ContextVar("relief_locations", default=None)


def practice_locations() -> list:
    """Every location, the main one first (in pk order), cached until a
    location is saved or deleted.

    One small query serves the practice zone, "are several zones in use" and
    the desk's location list (Today, the calendars, the picker), so none of
    them costs anything beyond what the middleware already read. Not cached for
    a minute: the request after each expiry paid that query on top of its
    page's own (a booking POST counted 16 queries against its 15).
    """
    locations = _request_locations.get()
    if locations is None:
        locations = cache.get(CACHE_KEY)
    if locations is None:
        from practice.models import Location

        locations = list(Location.objects.order_by("pk"))
        cache.set(CACHE_KEY, locations, None)
    # A list of its own for each caller; the rows are shared within the request.
    return list(locations)


def _location_zones() -> list[str]:
    return [location.time_zone for location in practice_locations()]


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
        locations = practice_locations()
        token = _request_locations.set(locations)
        timezone.activate(ZoneInfo(locations[0].time_zone if locations else settings.TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
            _request_locations.reset(token)


def forget_location_zones() -> None:
    """After a location changed: read the locations afresh, in this request too,
    and once more after the commit (a request between the change and its
    commit may have cached the zones as they were)."""
    cache.delete(CACHE_KEY)
    _request_locations.set(None)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: cache.delete(CACHE_KEY))


def location_changed(sender, **kwargs) -> None:
    """Any location saved or deleted, whoever wrote it (the setup pages through
    `location_save`, the demo, the bench's generator, a shell): the zones are
    read again. Connected in `PracticeConfig.ready`."""
    forget_location_zones()
