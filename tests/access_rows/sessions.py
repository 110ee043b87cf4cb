from datetime import date

from sessions.models import SessionNote, Technique, TechniqueApplication, TreatmentPlan
from tests.access_rows.personas import DANA_AND_OWNER, OWNER

DANA = frozenset({"therapist"})
THERAPISTS_AND_OWNER = frozenset({"owner", "therapist", "other_therapist"})

ACCESS = {
    "sessions:backlog": THERAPISTS_AND_OWNER,
    "sessions:note_for_appointment": DANA_AND_OWNER,
    "sessions:note_detail": DANA_AND_OWNER,
    "sessions:note_edit": DANA_AND_OWNER,
    # POST-only endpoints answer 405 to a GET from someone who may use them.
    "sessions:note_autosave": DANA,
    "sessions:note_technique_add": DANA,
    "sessions:note_technique_remove": DANA,
    "sessions:note_sign": DANA,
    "sessions:note_amend": DANA,
    "sessions:note_correct": DANA,
    "sessions:note_reassign": OWNER,
    "sessions:client_history": DANA_AND_OWNER,
    "sessions:plan_create": DANA_AND_OWNER,
    "sessions:plan_detail": DANA_AND_OWNER,
    "sessions:plan_edit": DANA_AND_OWNER,
    "sessions:plan_close": DANA,
    "sessions:plan_reassign": OWNER,
    "sessions:techniques": OWNER,
}


def sample_kwargs(world):
    note = SessionNote.objects.create(
        appointment=world.appointment,
        client=world.client,
        therapist=world.therapist,
        subjective="Low back tight after gardening.",
    )
    application = TechniqueApplication.objects.create(
        note=note,
        technique=Technique.objects.get_or_create(
            slug="swedish", defaults={"name": "Swedish massage", "category": "relaxation"}
        )[0],
        minutes=10,
        body_regions=["low_back"],
    )
    plan = TreatmentPlan.objects.create(
        client=world.client,
        therapist=world.therapist,
        problem_summary="Chronic low back pain",
        frequency="Weekly",
        planned_sessions=6,
        start_date=date(2026, 1, 5),
    )
    return {
        "appointment_id": world.appointment.pk,
        "note_id": note.pk,
        "application_id": application.pk,
        "client_id": world.client.pk,
        "plan_id": plan.pk,
    }
