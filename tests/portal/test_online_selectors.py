"""The slot page's service and shifts read against the reference definition:
a service is offered online here when it is active and bookable online and
someone bookable online who works here does it."""

from datetime import time

import pytest

from portal.online.selectors import online_service_shifts
from practice.models import Service, Therapist
from tests import factories

pytestmark = pytest.mark.django_db


def _reference(location, value):
    """The definition the page used before (one query through the online therapists)."""
    try:
        service_id = int(value)
    except (TypeError, ValueError):
        return None
    therapists = Therapist.objects.filter(
        active=True, bookable_online=True, working_hours__location=location
    )
    return (
        Service.objects.filter(
            pk=service_id, active=True, bookable_online=True, therapists__in=therapists
        )
        .distinct()
        .first()
    )


def _check(location, value):
    found = online_service_shifts(location, value)
    expected = _reference(location, value)
    assert (found[0] if found else None) == expected
    if found:
        # Exactly the online therapists who work here and do the service.
        service, shifts = found
        doers = set(
            Therapist.objects.filter(
                active=True,
                bookable_online=True,
                services=service,
                working_hours__location=location,
            ).values_list("pk", flat=True)
        )
        assert set(shifts.therapists) == doers
        assert {s.location_id for s in shifts.shifts} == {location.pk}
    return found


def test_the_service_and_its_shifts_are_what_the_reference_offers(online):
    location, service = online.location, online.service
    assert _check(location, str(service.pk))
    for junk in (None, "", "abc", "0", str(service.pk + 1000)):
        assert _check(location, junk) is None


def test_a_service_not_online_or_inactive_is_not_offered(online):
    service = online.service
    service.bookable_online = False
    service.save()
    assert _check(online.location, service.pk) is None
    service.bookable_online, service.active = True, False
    service.save()
    assert _check(online.location, service.pk) is None


def test_only_therapists_bookable_online_active_and_working_here_count(online):
    location, service = online.location, online.service
    online.dana.bookable_online = False
    online.dana.save()
    assert set(_check(location, service.pk)[1].therapists) == {online.sam.pk}
    online.sam.active = False
    online.sam.save()
    assert _check(location, service.pk) is None


def test_a_service_done_only_elsewhere_or_by_nobody_is_not_offered_here(online):
    location = online.location
    nobody = factories.ServiceFactory(name="Nobody does this", needs_room=False)
    assert _check(location, nobody.pk) is None
    elsewhere = factories.LocationFactory(name="Uptown")
    away = factories.ServiceFactory(name="Only uptown", needs_room=False)
    online.dana.services.add(away)
    therapist = factories.TherapistFactory()
    therapist.services.add(away)
    factories.WorkingHoursFactory(
        therapist=therapist, location=elsewhere, weekday=0, start_time=time(9), end_time=time(17)
    )
    # Dana works here but her hours here make it hers to offer; the uptown
    # therapist's do not.
    found = _check(location, away.pk)
    assert set(found[1].therapists) == {online.dana.pk}
    online.dana.services.remove(away)
    assert _check(location, away.pk) is None
