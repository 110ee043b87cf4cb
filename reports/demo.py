"""Ten months of demo history, so every report has figures on a first run.

Deterministic (a fixed seed) and written once: skipped when its clients
are there already. Forty clients in three therapists' weekday diaries,
each coming back every one to five weeks for a while; pain before and after
each session eases over the visits; most sessions are paid; a third of the
clients have a treatment plan with a PEG-3 at its start and at its review.
"""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from billing import services as billing
from billing.models import Payment
from clients.models import Client, Score
from practice.models import Appointment, Location, Room, Service, Therapist
from sessions.models import SessionNote, Technique, TechniqueApplication, TreatmentPlan
from sessions.outcomes import note_outcomes_refresh
from sessions.selectors import NOTE_SOURCE
from sessions.services import note_sign

FIRST = ["Ana", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hugo", "Iris", "Jonas"]
LAST = ["Alvarez", "Brooks", "Chen", "Dubois"]
# Each therapist's usual technique, so the by-technique tables have groups to show.
USUAL = ["Myofascial release", "Trigger point therapy", "Deep tissue"]
STARTS = [time(9), time(10, 30), time(12), time(14), time(15, 30), time(17)]
S = Appointment.Status
MARKER = "history"
# The last five weeks are left to the charting demo (sessions.demo), whose
# visits would otherwise meet these in a therapist's diary.
RECENT = timedelta(weeks=5)


def seed_demo_history(*, now, by) -> int:
    """Write the history unless it is there already; returns the visits written."""
    if Client.objects.filter(email=f"{MARKER}00@example.com").exists():
        return 0
    rng = random.Random(17)
    location = Location.objects.order_by("pk").first()
    tz = ZoneInfo(location.time_zone)
    therapists = list(Therapist.objects.order_by("pk")[:3])
    rooms = list(Room.objects.filter(location=location).order_by("name")[:3])
    # Short services only: every start in STARTS then fits before the next.
    services = list(Service.objects.filter(duration__lte=timedelta(minutes=60)).order_by("pk"))
    techniques = {t.name: t for t in Technique.objects.all()}
    usual = [techniques.get(name) or next(iter(techniques.values())) for name in USUAL]
    taken = set()
    visits = 0
    for n in range(40):
        index = n % len(therapists)
        therapist, room = therapists[index], rooms[index % len(rooms)]
        client = Client.objects.create(
            first_name=FIRST[n % len(FIRST)],
            last_name=LAST[n // len(FIRST)],
            email=f"{MARKER}{n:02d}@example.com",
            phone=f"+1202555{2000 + n:04d}",
            primary_therapist=therapist,
        )
        day = (now - timedelta(days=rng.randint(60, 300))).astimezone(tz).date()
        pain = Decimal(rng.randint(5, 8))
        if n % 3 == 0:
            _plan(client, therapist, day, rng, now)
        for _ in range(rng.randint(1, 7)):
            while day.weekday() > 4 or (therapist.pk, day, slot := rng.choice(STARTS)) in taken:
                day += timedelta(days=1)
            taken.add((therapist.pk, day, slot))
            starts_at = datetime.combine(day, slot, tzinfo=tz)
            if starts_at > now - RECENT:
                break
            status = rng.choices([S.COMPLETED, S.NO_SHOW, S.CANCELLED], [88, 6, 6])[0]
            service = services[n % len(services)]
            appointment = Appointment.objects.create(
                client=client,
                therapist=therapist,
                service=service,
                location=location,
                room=room if service.needs_room else None,
                starts_at=starts_at,
                ends_at=starts_at + service.duration,
                occupied_until=starts_at + service.duration + service.buffer_after,
                status=status,
                late_cancel=status == S.CANCELLED,
                cancelled_at=starts_at - timedelta(hours=3) if status == S.CANCELLED else None,
            )
            if status == S.COMPLETED:
                pain = max(Decimal(0), pain - Decimal(rng.choice((0, 0, 1, 1, 2))))
                _session(appointment, pain, usual[index], rng, by)
                visits += 1
            day += timedelta(weeks=rng.randint(1, 5))
    return visits


def _session(appointment, pain, usual, rng, by):
    note = SessionNote.objects.create(
        appointment=appointment,
        client=appointment.client,
        therapist=appointment.therapist,
        assessment="Tissue responded well; range of motion improving.",
    )
    TechniqueApplication.objects.create(note=note, technique=usual, minutes=30)
    after = max(Decimal(0), pain - Decimal(rng.choice((1, 1, 2, 2, 3))))
    for context, value, at in (
        (Score.Context.PRE_SESSION, pain, appointment.starts_at),
        (Score.Context.POST_SESSION, after, appointment.ends_at),
    ):
        Score.objects.create(
            client=appointment.client,
            instrument=Score.Instrument.PAIN_NRS,
            value=value,
            recorded_at=at,
            context=context,
            source_type=NOTE_SOURCE,
            source_id=str(note.pk),
            appointment=appointment,
        )
    # Written straight to the tables above, so the report summary is told.
    note_outcomes_refresh(note_ids=[note.pk])
    # Signed, as a therapist would have done that day: no backlog to chart.
    note_sign(note=note, user=appointment.therapist.user, cautions_reviewed=True)
    if rng.random() < 0.9:
        invoice = billing.invoice_open_for_appointment(appointment=appointment, by=by)
        invoice = billing.invoice_issue(invoice=invoice, by=by, now=appointment.ends_at)
        billing.payment_record(
            invoice=invoice,
            method=rng.choice([Payment.Method.CARD_TERMINAL, Payment.Method.CASH]),
            amount=invoice.total,
            by=by,
            now=appointment.ends_at,
        )


def _plan(client, therapist, start, rng, now):
    review = start + timedelta(weeks=6)
    done = datetime.combine(review, time(12), tzinfo=now.tzinfo) < now
    TreatmentPlan.objects.create(
        client=client,
        therapist=therapist,
        status=TreatmentPlan.Status.COMPLETED if done else TreatmentPlan.Status.ACTIVE,
        problem_summary="Chronic low back pain",
        frequency="weekly for 6 weeks",
        planned_sessions=6,
        start_date=start,
        review_date=review,
    )
    baseline = Decimal(rng.randint(50, 80)) / 10
    for day, value in ((start, baseline), (review, baseline - Decimal(rng.randint(0, 30)) / 10)):
        at = datetime.combine(day, time(9), tzinfo=now.tzinfo)
        if at < now:
            Score.objects.create(
                client=client,
                instrument=Score.Instrument.PEG,
                value=value,
                recorded_at=at,
                context=Score.Context.PLAN_REVIEW,
            )
