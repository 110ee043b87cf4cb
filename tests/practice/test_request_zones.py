"""The location zones are read from the cache once per request, and a saved
location's new zone is seen at once, in the same request too."""

from django.core.cache import cache, caches
from django.http import HttpResponse
from django.test import RequestFactory

from practice import services
from practice.timezones import (
    CACHE_KEY,
    PracticeTimezoneMiddleware,
    practice_time_zone,
    several_zones_in_use,
)
from tests.factories import LocationFactory


def test_a_request_reads_the_zones_once_and_sees_a_saved_change(db, monkeypatch):
    cache.delete(CACHE_KEY)
    main = LocationFactory(time_zone="America/New_York")
    LocationFactory(time_zone="America/New_York")
    reads = []
    backend = caches["default"]
    real_get = backend.get
    monkeypatch.setattr(
        backend, "get", lambda key, *a, **k: reads.append(key) or real_get(key, *a, **k)
    )
    seen = {}

    def view(request):
        seen["before"] = [several_zones_in_use() for _ in range(3)]
        seen["reads_before_save"] = reads.count(CACHE_KEY)
        main.time_zone = "America/Denver"
        services.location_save(location=main)
        seen["after"] = several_zones_in_use()
        seen["zone_after"] = str(practice_time_zone())
        return HttpResponse("ok")

    PracticeTimezoneMiddleware(view)(RequestFactory().get("/"))
    assert seen["before"] == [False, False, False]
    assert seen["reads_before_save"] == 1
    assert seen["after"] is True
    assert seen["zone_after"] == "America/Denver"
    # Outside a request the zones come from the cache again.
    assert several_zones_in_use() is True
