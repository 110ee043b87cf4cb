"""The benchmark's practice generator writes a realistic, consistent practice."""

import uuid
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from bench.checks import double_bookings
from bench.generate import SCALES, TIME_ZONE, generate
from clients.models import Client, Score
from practice.models import Appointment, Reminder, Therapist, WorkingHours

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TINY = SCALES["tiny"]


def _snapshot():
    """What must come out identical from the same seed: counts and the first rows."""
    first = Appointment.objects.order_by("starts_at", "therapist__user__username")[:5]
    return {
        "counts": (
            Therapist.objects.count(),
            Client.objects.count(),
            Appointment.objects.count(),
            Reminder.objects.count(),
            Score.objects.count(),
        ),
        "first": [
            (a.id, a.therapist.user.username, a.client.full_name, a.starts_at, a.status)
            for a in first.select_related("therapist__user", "client")
        ],
    }


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def report(now):
    return generate(scale=TINY, seed=7, now=now)


def test_generates_the_requested_counts(report):
    assert Therapist.objects.count() == TINY.therapists
    assert Client.objects.count() == TINY.clients
    assert Appointment.objects.count() == TINY.appointments


def test_the_visit_summary_is_built_after_the_copy_and_kept_after_it(report):
    from reports.models import ClientVisit
    from reports.visits import VISITED

    visits = Appointment.objects.filter(status__in=VISITED)
    assert ClientVisit.objects.count() == visits.count() > 0
    # The insert trigger is on again once the COPY is done ("O": origin, enabled).
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = 'client_visits_inserted'")
        assert cursor.fetchone() == ("O",)
    visit = visits.first()
    Appointment.objects.filter(pk=visit.pk).update(status=Appointment.Status.NO_SHOW)
    assert not ClientVisit.objects.filter(appointment_id=visit.pk).exists()


def test_no_therapist_or_room_is_double_booked(report):
    assert Appointment.objects.exclude(room=None).exists()
    assert double_bookings() == {"therapist": 0, "room": 0}


def test_about_seventy_percent_of_past_slots_are_booked(report, now):
    past = Appointment.objects.filter(starts_at__lt=now).count()
    assert report.past_slots_booked == past
    assert 0.6 <= report.past_slots_booked / report.past_slots <= 0.8


def test_appointments_lie_inside_working_hours(report):
    hours = {}
    for block in WorkingHours.objects.all():
        hours.setdefault((block.therapist_id, block.weekday), []).append(block)
    for appointment in Appointment.objects.all():
        start = appointment.starts_at.astimezone(ZoneInfo(TIME_ZONE))
        end = appointment.occupied_until.astimezone(ZoneInfo(TIME_ZONE))
        blocks = hours[(appointment.therapist_id, start.weekday())]
        assert any(b.start_time <= start.time() and end.time() <= b.end_time for b in blocks)


def test_past_has_cancellations_and_no_shows_and_the_future_is_open(report, now):
    past = Appointment.objects.filter(starts_at__lt=now)
    assert past.filter(status=Appointment.Status.COMPLETED).count() > past.count() / 2
    assert past.filter(status=Appointment.Status.CANCELLED).exists()
    assert past.filter(status=Appointment.Status.NO_SHOW).exists()
    future = Appointment.objects.filter(starts_at__gte=now)
    assert future.exists()
    assert not future.filter(status=Appointment.Status.COMPLETED).exists()


def test_pending_reminders_belong_only_to_future_active_appointments(report, now):
    pending = Reminder.objects.filter(status=Reminder.Status.PENDING)
    assert pending.exists()
    assert not pending.filter(appointment__starts_at__lte=now).exists()
    assert not pending.filter(due_at__lte=now).exists()
    assert not pending.exclude(appointment__status__in=Appointment.ACTIVE_STATUSES).exists()


def test_completed_sessions_have_pain_before_and_after(report):
    completed = Appointment.objects.filter(status=Appointment.Status.COMPLETED).count()
    pain = Score.objects.filter(instrument=Score.Instrument.PAIN_NRS)
    assert pain.filter(context=Score.Context.PRE_SESSION).count() == completed
    assert pain.filter(context=Score.Context.POST_SESSION).count() == completed
    intake = Score.objects.filter(context=Score.Context.INTAKE)
    assert set(intake.values_list("instrument", flat=True)) == {
        "pain_nrs",
        "peg",
        "stress",
        "sleep",
    }


def test_each_completed_session_has_its_note(report):
    try:
        SessionNote = apps.get_model("treatment_sessions", "SessionNote")
    except LookupError:
        pytest.skip("the session-notes step runs once SessionNote exists")
    completed = Appointment.objects.filter(status=Appointment.Status.COMPLETED)
    assert SessionNote.objects.count() == completed.count()
    assert report.counts["session notes"] == completed.count()


def test_same_seed_gives_the_same_practice(now):
    with transaction.atomic():
        generate(scale=TINY, seed=7, now=now)
        first = _snapshot()
        transaction.set_rollback(True)
    assert not Appointment.objects.exists()
    generate(scale=TINY, seed=7, now=now)
    assert _snapshot() == first
    assert first["counts"][2] == TINY.appointments


def test_refuses_a_database_that_already_has_appointments(report, now):
    with pytest.raises(RuntimeError, match="already holds appointments"):
        generate(scale=TINY, seed=7, now=now)


def test_different_seed_gives_a_different_practice(now):
    with transaction.atomic():
        generate(scale=TINY, seed=7, now=now)
        first = _snapshot()
        transaction.set_rollback(True)
    generate(scale=TINY, seed=8, now=now)
    assert _snapshot()["first"] != first["first"]


def test_completed_visits_get_signed_notes_that_verify(report):
    from sessions.models import SessionNote, TechniqueApplication
    from sessions.selectors import note_verify

    completed = Appointment.objects.filter(status=Appointment.Status.COMPLETED).count()
    assert SessionNote.objects.filter(status="signed").count() == completed > 0
    note = SessionNote.objects.order_by("signed_at").first()
    assert 2 <= TechniqueApplication.objects.filter(note=note).count() <= 3
    assert note_verify(note)


def test_double_booking_check_counts_overlaps_the_constraints_would_refuse(report):
    # Drop the safety net inside the test's transaction, so a clash can be written.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # settle the COPY's deferred checks
        cursor.execute(
            "ALTER TABLE practice_appointment DROP CONSTRAINT appointment_no_therapist_overlap, "
            "DROP CONSTRAINT appointment_no_room_overlap"
        )
    booked = Appointment.objects.active().exclude(room=None).order_by("starts_at").first()
    clash = Appointment.objects.get(pk=booked.pk)
    clash.id = uuid.uuid4()
    clash.save(force_insert=True)
    cancelled = Appointment.objects.get(pk=booked.pk)
    cancelled.id = uuid.uuid4()
    cancelled.status = Appointment.Status.CANCELLED
    cancelled.save(force_insert=True)
    assert double_bookings() == {"therapist": 1, "room": 1}
