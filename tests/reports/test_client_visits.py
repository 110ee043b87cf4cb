"""The visit summary: every appointment write keeps it as a rebuild would write it.

The rows a service (or a queryset update) leaves behind are compared with
the rows the rebuild derives from the appointments as they then are; the
rebuild repairs rows edited behind the triggers' back, and the triggers the
migration installed are the ones today's code renders.
"""

import io
import random
from datetime import datetime, time, timedelta
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from practice import services
from practice.models import Appointment
from reports import visits
from reports.models import ClientVisit
from reports.tasks import client_visits_rebuild_nightly
from tests import factories
from tests.practice.scheduling_world import works_every_day

# The summary is kept on PostgreSQL only (its statement triggers).
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
S = Appointment.Status


def summary():
    fields = [f.attname for f in ClientVisit._meta.concrete_fields]
    return sorted(ClientVisit.objects.values_list(*fields), key=str)


def rebuilt():
    visits.client_visits_rebuild()
    return summary()


@pytest.fixture
def desk(location, therapist, other_therapist, front_desk):
    """Working hours all week for two therapists, and a client with some history."""
    service = factories.ServiceFactory(needs_room=False)
    for who in (therapist, other_therapist):
        who.services.add(service)
        works_every_day(who, location)
    client = factories.ClientFactory()
    tz = ZoneInfo(location.time_zone)
    today = timezone.localdate(timezone.now(), tz)
    for weeks, status in ((9, S.COMPLETED), (5, S.CHECKED_IN), (3, S.NO_SHOW), (2, S.CANCELLED)):
        factories.AppointmentFactory(
            client=client,
            therapist=therapist,
            service=service,
            location=location,
            starts_at=datetime.combine(today - timedelta(weeks=weeks), time(10), tzinfo=tz),
            status=status,
        )
    return {
        "client": client,
        "therapist": therapist,
        "service": service,
        "location": location,
        "booked_by": front_desk,
        "at": lambda days, hour=10: datetime.combine(
            today + timedelta(days=days), time(hour), tzinfo=tz
        ),
    }


def test_each_appointment_service_leaves_the_rows_a_rebuild_writes(desk, other_therapist):
    book = {k: desk[k] for k in ("client", "therapist", "service", "location", "booked_by")}
    steps = []

    def check(step):
        kept = summary()
        assert kept == rebuilt(), step
        steps.append(step)

    ahead = services.appointment_book(**book, starts_at=desk["at"](3))
    check("book")
    services.appointment_reschedule(
        appointment=ahead, starts_at=desk["at"](4, 12), by=desk["booked_by"]
    )
    check("move")
    services.appointment_confirm(appointment=Appointment.objects.get(pk=ahead.pk))
    check("confirm")
    services.appointment_cancel(
        appointment=Appointment.objects.get(pk=ahead.pk), by=desk["booked_by"]
    )
    check("cancel")
    request = services.appointment_book(
        **{**book, "therapist": other_therapist}, starts_at=desk["at"](6), status=S.REQUESTED
    )
    check("request")
    services.appointment_request_approve(appointment=request, by=desk["booked_by"])
    check("approve")
    # A visit today: checked in, completed; and one that started: a no-show.
    now = timezone.now()
    today = factories.AppointmentFactory(
        **{k: desk[k] for k in ("client", "therapist", "service", "location")},
        starts_at=now - timedelta(hours=3),
        status=S.BOOKED,
    )
    missed = factories.AppointmentFactory(
        **{k: desk[k] for k in ("client", "service", "location")},
        therapist=other_therapist,
        starts_at=now - timedelta(hours=2),
        status=S.BOOKED,
    )
    services.appointment_check_in(appointment=today, by=desk["booked_by"])
    check("check in")
    services.appointment_complete(
        appointment=Appointment.objects.get(pk=today.pk), by=desk["booked_by"]
    )
    check("complete")
    services.appointment_mark_no_show(appointment=missed, by=desk["booked_by"])
    check("no-show")
    # The services' writes moved what the reports read: the new visit is the
    # client's latest, their first visit is still nine weeks ago, and the
    # visit five weeks ago now has a next visit (today's).
    rows = {row.appointment_id: row for row in ClientVisit.objects.all()}
    assert [row.appointment_id for row in rows.values() if row.latest] == [today.pk]
    five_weeks = ClientVisit.objects.get(
        client=desk["client"],
        starts_at__range=(now - timedelta(weeks=6), now - timedelta(weeks=4)),
    )
    assert five_weeks.next_visit_at == rows[today.pk].starts_at
    assert len(steps) == 9


def test_a_queryset_update_and_a_delete_reach_the_summary_too(desk):
    client = desk["client"]
    before = summary()
    cancelled = Appointment.objects.get(client=client, status=S.CANCELLED)
    Appointment.objects.filter(pk=cancelled.pk).update(status=S.COMPLETED)
    assert summary() == rebuilt() != before
    Appointment.objects.filter(pk=cancelled.pk).delete()
    assert summary() == rebuilt() == before
    # A column the rows do not depend on changes nothing, and fires nothing.
    with CaptureQueriesContext(connection) as queries:
        Appointment.objects.filter(client=client).update(sequence=7)
    assert len(queries) == 1
    assert summary() == before


def test_the_migration_installed_the_triggers_of_todays_code():
    rendered = import_module("reports.migrations.0003_client_visits_triggers")
    assert visits.trigger_sql() == (rendered.POSTGRESQL, rendered.POSTGRESQL_DROP)


def test_the_triggers_keep_what_the_rebuild_writes(location, therapist, other_therapist):
    """Random histories at two places; the rows kept write by write equal a rebuild."""
    rng = random.Random(3)
    west = factories.LocationFactory(name="West", time_zone="America/Los_Angeles")
    people = [factories.ClientFactory() for _ in range(12)]
    when = timezone.now() - timedelta(days=300)
    while when < timezone.now() + timedelta(days=20):
        for who in (therapist, other_therapist):
            factories.AppointmentFactory(
                client=rng.choice(people),
                therapist=who,
                location=rng.choice([location, west]),
                # Now and then two at one instant, with the two therapists.
                starts_at=when,
                status=rng.choice(list(S)),
            )
        when += timedelta(days=rng.choice([1, 2, 5]), hours=rng.choice([0, 3]))
    kept = summary()
    assert len(kept) == Appointment.objects.filter(status__in=visits.VISITED).count() > 50
    # Rows lost or edited behind the triggers' back: the rebuild repairs them.
    ClientVisit.objects.filter(latest=True).update(last_active_at=timezone.now())
    ClientVisit.objects.filter(pk__in=[row[0] for row in kept[:5]]).delete()
    assert summary() != kept
    assert visits.client_visits_rebuild() == len(kept)
    everything = summary()
    assert everything == kept
    # Exactly one latest visit per client, overall and per place.
    latest = list(ClientVisit.objects.filter(latest=True).values_list("client_id", flat=True))
    assert sorted(latest) == sorted({row[1] for row in everything})
    here = ClientVisit.objects.filter(latest_here=True).values_list("client_id", "location_id")
    assert len(set(here)) == len(here)


def test_the_nightly_task_and_the_command_rebuild(desk, settings):
    ClientVisit.objects.all().delete()
    assert client_visits_rebuild_nightly() == 2
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == client_visits_rebuild_nightly.name
    )
    assert entry["schedule"] == 24 * 3600.0
    ClientVisit.objects.all().delete()
    call_command("rebuild_client_visits", stdout=io.StringIO())
    assert ClientVisit.objects.count() == 2
