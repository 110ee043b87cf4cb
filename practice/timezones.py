from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

CACHE_KEY = "relief:practice-time-zone"


def practice_time_zone() -> ZoneInfo:
    """The time zone of the practice's main location (cached for a minute)."""
    name = cache.get(CACHE_KEY)
    if name is None:
        from practice.models import Location

        location = Location.objects.order_by("pk").only("time_zone").first()
        name = location.time_zone if location else settings.TIME_ZONE
        cache.set(CACHE_KEY, name, 60)
    return ZoneInfo(name)


class PracticeTimezoneMiddleware:
    """Render times in the practice's local time zone (storage stays UTC)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timezone.activate(practice_time_zone())
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
