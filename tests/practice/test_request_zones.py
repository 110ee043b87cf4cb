"""The locations (and their zones) are read from the cache once per request, and
a saved location is seen at once, in the same request too."""

from django.core.cache import cache, caches
from django.http import HttpResponse
from django.test import RequestFactory

from practice import services
from practice.timezones import (
    CACHE_KEY,
    PracticeTimezoneMiddleware,
    practice_locations,
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


def test_the_zones_stay_cached_past_a_minute_so_no_page_pays_a_refresh(
    db, monkeypatch, django_assert_num_queries
):
    from django.core.cache.backends import locmem

    cache.delete(CACHE_KEY)
    LocationFactory(time_zone="Europe/London")
    assert str(practice_time_zone()) == "Europe/London"
    later = locmem.time.time() + 3600
    monkeypatch.setattr(locmem.time, "time", lambda: later)
    with django_assert_num_queries(0):
        assert several_zones_in_use() is False


def test_a_location_written_outside_the_setup_service_is_seen_at_once(db):
    cache.delete(CACHE_KEY)
    first = LocationFactory(time_zone="Europe/London")
    assert several_zones_in_use() is False
    other = LocationFactory(time_zone="America/Chicago")  # e.g. the demo or a generator
    assert several_zones_in_use() is True
    other.delete()
    assert several_zones_in_use() is False
    first.time_zone = "Asia/Tokyo"
    first.save()
    assert str(practice_time_zone()) == "Asia/Tokyo"


def test_the_location_list_is_the_cached_one_and_follows_every_write(db, django_assert_num_queries):
    cache.delete(CACHE_KEY)
    first = LocationFactory(name="Downtown", time_zone="America/New_York")
    practice_locations()
    with django_assert_num_queries(0):
        assert [location.name for location in practice_locations()] == ["Downtown"]
    first.name = "Uptown"
    services.location_save(location=first)
    assert [location.name for location in practice_locations()] == ["Uptown"]
    second = LocationFactory(name="Harbour", time_zone="America/Denver")
    assert [location.pk for location in practice_locations()] == [first.pk, second.pk]
    assert several_zones_in_use() is True
    # Each caller gets a list of its own.
    practice_locations().clear()
    assert len(practice_locations()) == 2
