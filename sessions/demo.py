"""Demo charting for a first run: a treatment plan and a few signed notes.

Idempotent. Creates past sessions for the first demo therapist's first
client so the history, plan and backlog pages have something to show.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from clients.models import Client, Score
from practice.models import Appointment, Therapist

from . import services
from .models import Goal, Technique, TreatmentPlan

VISITS = [
    # days ago, pain before, pain after, assessment
    (21, 7, 5, "Marked hypertonicity in lumbar erectors; guarding on flexion."),
    (14, 6, 4, "Less guarding; trigger points in right QL reduced."),
    (7, 5, 3, "Range of motion improving; client sleeping better."),
]


@transaction.atomic
def seed_notes(*, username="dana"):
    therapist = Therapist.objects.filter(user__username=username).first()
    if therapist is None or TreatmentPlan.objects.filter(therapist=therapist).exists():
        return
    client = Client.objects.filter(primary_therapist=therapist).order_by("last_name").first()
    if client is None:
        return
    user = therapist.user
    service = therapist.services.first()
    location = Appointment.objects.values_list("location", flat=True).first()
    if service is None or location is None:
        return
    today = timezone.localdate()
    services.plan_create(
        client=client,
        therapist=therapist,
        user=user,
        fields={
            "problem_summary": "Chronic low back pain, worse after sitting; poor sleep.",
            "frequency": "Weekly for 6 weeks, then review",
            "planned_sessions": 6,
            "focus_regions": ["low_back", "glute_left", "glute_right"],
            "start_date": today - timedelta(days=28),
            "review_date": today + timedelta(days=14),
        },
        techniques=Technique.objects.filter(
            slug__in=["myofascial-release", "trigger-point-therapy"]
        ),
        goals=[
            {
                "description": "Low back pain mild most days",
                "instrument": Score.Instrument.PAIN_NRS,
                "direction": Goal.Direction.AT_MOST,
                "target_value": Decimal(3),
                "target_date": today + timedelta(days=28),
            }
        ],
    )
    mfr = Technique.objects.get(slug="myofascial-release")
    tpt = Technique.objects.get(slug="trigger-point-therapy")
    now = timezone.now().replace(second=0, microsecond=0)
    for days_ago, before, after, assessment in VISITS:
        starts_at = now - timedelta(days=days_ago, hours=3)
        appointment = Appointment.objects.create(
            client=client,
            therapist=therapist,
            service=service,
            location_id=location,
            starts_at=starts_at,
            ends_at=starts_at + service.duration,
            occupied_until=starts_at + service.duration + service.buffer_after,
            status=Appointment.Status.COMPLETED,
        )
        note = services.note_open_for_appointment(appointment=appointment, user=user)
        services.technique_add(
            note=note,
            user=user,
            technique=mfr,
            minutes=25,
            body_regions=["low_back"],
            side="bilateral",
            pressure="firm",
        )
        services.technique_add(
            note=note,
            user=user,
            technique=tpt,
            minutes=15,
            body_regions=["glute_right"],
            side="right",
            pressure="deep",
        )
        note = services.note_save_draft(
            note=note,
            user=user,
            version=note.version,
            fields={
                "subjective": "Low back ache after long drives; stiff in the mornings.",
                "objective": "Tender right QL and gluteus medius; flexion limited.",
                "assessment": assessment,
                "plan_text": "Continue weekly; add hip flexor work next session.",
                "pressure": "firm",
                "client_response": "Relaxed well; reported less tightness on standing.",
                "home_care": "Knee-to-chest stretch twice daily; heat 15 minutes.",
            },
            pain_before=before,
            pain_after=after,
        )
        services.note_sign(note=note, user=user)
