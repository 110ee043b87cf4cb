"""The visit summary: every appointment write keeps it as a rebuild would write it.

The rows a service (or a queryset update) leaves behind are compared with
the rows the rebuild derives from the appointments as they then are; the
rebuild repairs rows edited behind the triggers' back, and the triggers the
migration installed are the ones today's code renders.
"""

import io
import random
import threading
import time as time_
from datetime import datetime, time, timedelta
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection, transaction
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


def rebuilt_aside():
    """The rows a rebuild would write now; the kept rows stay as they are."""
    with transaction.atomic():
        rows = rebuilt()
        transaction.set_rollback(True)
    return rows


def visit_writes():
    """Rows of the summary inserted, updated and deleted so far in this transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE relname = %s",
            [ClientVisit._meta.db_table],
        )
        return cursor.fetchone()


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
    rendered = import_module("reports.migrations.0004_client_visits_changed_rows_only")
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


def test_random_writes_keep_what_a_rebuild_writes(location, therapist, other_therapist):
    """Random histories, then random inserts, moves, status, therapist, place and
    client changes and deletes, one or several rows a statement: after each,
    the rows the triggers kept (never rebuilt in between) equal a rebuild's."""
    rng = random.Random(19)
    west = factories.LocationFactory(name="West", time_zone="America/Los_Angeles")
    places, staff = [location, west], [therapist, other_therapist]
    people = [factories.ClientFactory() for _ in range(6)]
    service = factories.ServiceFactory(needs_room=False)
    first = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=200)
    # Two hours apart, so no appointment overlaps the next of its therapist;
    # both therapists at one time make visits at the same instant.
    times = [first + timedelta(days=d, hours=h) for d in range(0, 260, 2) for h in (0, 2)]
    taken = set()
    # Visits more often than the other statuses, so clients build histories.
    statuses = [*S, S.COMPLETED, S.COMPLETED, S.COMPLETED, S.CHECKED_IN]

    def free(who):
        return rng.choice([t for t in times if (who.pk, t) not in taken])

    def slot(a):
        return (a.therapist_id, a.starts_at.replace(microsecond=0))

    def new(who=None):
        who = who or rng.choice(staff)
        when = free(who)
        taken.add((who.pk, when))
        # A microsecond after the other therapist's start: strictly after, not a tie.
        when += timedelta(microseconds=rng.choice([0, 0, 0, 1]))
        return Appointment(
            client=rng.choice(people),
            therapist=who,
            service=service,
            location=rng.choice(places),
            starts_at=when,
            ends_at=when + service.duration,
            occupied_until=when + service.duration + service.buffer_after,
            status=rng.choice(statuses),
        )

    def some(k):
        return rng.sample(list(Appointment.objects.all()), k)

    def move(a):
        when = free(a.therapist)
        taken.discard(slot(a))
        taken.add((a.therapist_id, when))
        Appointment.objects.filter(pk=a.pk).update(
            starts_at=when,
            ends_at=when + service.duration,
            occupied_until=when + service.duration + service.buffer_after,
        )

    def swap_therapist(a):
        other = next(t for t in staff if t.pk != a.therapist_id)
        if (other.pk, slot(a)[1]) not in taken:
            taken.discard(slot(a))
            taken.add((other.pk, slot(a)[1]))
            Appointment.objects.filter(pk=a.pk).update(therapist=other)

    def delete(rows):
        for a in rows:
            taken.discard(slot(a))
        Appointment.objects.filter(pk__in=[a.pk for a in rows]).delete()

    Appointment.objects.bulk_create([new() for _ in range(80)])
    assert summary() == rebuilt_aside()
    writes = [
        ("insert", lambda: new().save()),
        ("insert several", lambda: Appointment.objects.bulk_create([new() for _ in range(3)])),
        (
            "status",
            lambda: Appointment.objects.filter(pk=some(1)[0].pk).update(
                status=rng.choice(statuses)
            ),
        ),
        (
            "status of several",
            lambda: Appointment.objects.filter(pk__in=[a.pk for a in some(4)]).update(
                status=rng.choice(statuses)
            ),
        ),
        ("move", lambda: move(some(1)[0])),
        ("therapist", lambda: swap_therapist(some(1)[0])),
        (
            "place",
            lambda: Appointment.objects.filter(pk=some(1)[0].pk).update(
                location=rng.choice(places)
            ),
        ),
        (
            "client",
            lambda: Appointment.objects.filter(pk__in=[a.pk for a in some(2)]).update(
                client=rng.choice(people)
            ),
        ),
        ("delete", lambda: delete(some(1))),
        ("delete several", lambda: delete(some(3))),
        (
            "nothing derived",
            lambda: Appointment.objects.filter(pk=some(1)[0].pk).update(sequence=3),
        ),
    ]
    done = []
    for step in range(120):
        name, write = rng.choice(writes)
        write()
        done.append(name)
        assert summary() == rebuilt_aside(), (step, name)
    assert {name for name, _ in writes} <= set(done)
    assert ClientVisit.objects.count() > 25

    # PostgreSQL's frames (a microsecond before, in reverse for "after") give
    # the rows of the plain EXCLUDE GROUP ones (SQLite's), ties and all.
    def derived(vendor):
        with connection.cursor() as cursor:
            cursor.execute(visits.visits_select(vendor=vendor))
            return sorted(cursor.fetchall(), key=str)

    assert derived("postgresql") == derived("sqlite") == summary()


def test_a_check_in_rewrites_the_rows_it_changes_only(location, therapist):
    """A client of 40 visits checks in: their new visit is written, and the
    visits whose "next" or "latest" it changes; the others are left alone."""
    client = factories.ClientFactory()
    service = factories.ServiceFactory(needs_room=False)
    now = timezone.now()
    past = [
        factories.AppointmentFactory(
            client=client,
            therapist=therapist,
            service=service,
            location=location,
            starts_at=now - timedelta(days=7 * weeks),
            status=S.COMPLETED,
        )
        for weeks in range(40, 0, -1)
    ]
    today = factories.AppointmentFactory(
        client=client,
        therapist=therapist,
        service=service,
        location=location,
        starts_at=now - timedelta(minutes=30),
        status=S.BOOKED,
    )
    assert ClientVisit.objects.filter(client=client).count() == len(past)
    inserted, updated, deleted = visit_writes()
    Appointment.objects.filter(pk=today.pk).update(status=S.CHECKED_IN)
    after = visit_writes()
    # The new visit; the one before it (its next visit, no longer the latest).
    assert (after[0] - inserted, after[1] - updated, after[2] - deleted) == (1, 1, 0)
    assert summary() == rebuilt_aside()


def _waiting_on_the_summary():
    """Backends of this database waiting for a lock on the summary's table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'relation' AND NOT granted "
            "AND relation = %s::regclass "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [ClientVisit._meta.db_table],
        )
        return [pid for (pid,) in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("write", ["book", "check in"])
def test_a_write_during_the_rebuild_waits_for_it_then_lands(desk, write):
    """The rebuild's transaction is held open; a booking or a check-in on
    another connection waits in its trigger for the summary's table (not
    for a row the rebuild deleted), then runs once the rebuild commits and
    brings its client's rows to what a fresh rebuild writes."""
    by = desk["booked_by"]
    today = factories.AppointmentFactory(
        **{k: desk[k] for k in ("client", "therapist", "service", "location")},
        starts_at=timezone.now() - timedelta(hours=1),
        status=S.BOOKED,
    )
    book = {k: desk[k] for k in ("client", "therapist", "service", "location")}

    def run():
        if write == "book":
            services.appointment_book(**book, booked_by=by, starts_at=desk["at"](3))
        else:
            services.appointment_check_in(appointment=today, by=by)

    outcome = {}

    def writer():
        try:
            run()
            outcome["done"] = True
        except Exception as exc:
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    with transaction.atomic():
        visits.client_visits_rebuild()
        thread.start()
        deadline = time_.monotonic() + 30
        while not _waiting_on_the_summary():
            assert thread.is_alive(), outcome
            assert time_.monotonic() < deadline, "the write never waited for the rebuild"
            time_.sleep(0.05)
        # Still waiting a while later: the rebuild's lock holds it, nothing else.
        thread.join(timeout=0.5)
        assert thread.is_alive() and not outcome
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert outcome == {"done": True}
    kept = summary()
    assert kept == rebuilt()
    # The write reached the rows: the new booking is the client's latest
    # appointment, the check-in a visit and their latest.
    if write == "book":
        latest = ClientVisit.objects.get(client=desk["client"], latest=True)
        assert latest.last_active_at == desk["at"](3)
    else:
        assert ClientVisit.objects.get(client=desk["client"], latest=True).pk == today.pk


def test_the_nightly_refresh_repairs_client_by_client(location, therapist):
    """Rows edited behind the triggers' back come back as a rebuild writes
    them, a few clients per statement; a second refresh writes nothing."""
    rng = random.Random(7)
    people = [factories.ClientFactory() for _ in range(7)]
    when = timezone.now() - timedelta(days=200)
    while when < timezone.now() + timedelta(days=10):
        factories.AppointmentFactory(
            client=rng.choice(people),
            therapist=therapist,
            location=location,
            starts_at=when,
            status=rng.choice(list(S)),
        )
        when += timedelta(days=rng.choice([1, 3]))
    kept = summary()
    ClientVisit.objects.filter(latest=True).update(last_active_at=timezone.now())
    ClientVisit.objects.filter(pk__in=[row[0] for row in kept[:4]]).delete()
    assert summary() != kept
    with CaptureQueriesContext(connection) as queries:
        assert visits.client_visits_refresh(chunk=3) == len(kept)
    chunks = [q for q in queries if "client_visits_write" in q["sql"]]
    assert len(chunks) == 3  # 7 clients, 3 at a time
    assert summary() == kept == rebuilt_aside()
    before = visit_writes()
    visits.client_visits_refresh(chunk=3)
    assert visit_writes() == before


@pytest.mark.django_db(transaction=True)
def test_a_write_during_the_refresh_waits_only_for_its_own_clients(desk):
    """A chunk's transaction held open holds its clients, not the summary:
    a booking for another client goes through at once, one for a client
    of the chunk waits for it; both leave what a rebuild writes."""
    other = factories.ClientFactory()
    book = {k: desk[k] for k in ("therapist", "service", "location", "booked_by")}
    outcome = {}

    def writer(name, client, days):
        try:
            services.appointment_book(**book, client=client, starts_at=desk["at"](days))
            outcome[name] = True
        except Exception as exc:
            outcome[name] = exc
        finally:
            connection.close()

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT client_visits_write(%s::uuid[])", [[desk["client"].pk]])
        free = threading.Thread(target=writer, args=("other", other, 5))
        free.start()
        free.join(timeout=30)
        assert outcome == {"other": True}
        held = threading.Thread(target=writer, args=("held", desk["client"], 6))
        held.start()
        held.join(timeout=0.5)
        assert held.is_alive() and "held" not in outcome
    held.join(timeout=60)
    assert outcome == {"other": True, "held": True}
    assert summary() == rebuilt()
