"""Demo intakes and scores so a first run shows a filled-in chart."""

import uuid
from datetime import timedelta

from django.utils import timezone

from . import services
from .models import Client, Score

DEMO_INTAKES = {
    "Maria": {
        "chief_complaint": "Low back pain for two years, worse after long days at my desk.",
        "pain_regions": ["low_back", "glute_left", "hamstring_left"],
        "duration": "years",
        "pain_character": ["aching", "stiffness", "shooting"],
        "health_conditions": ["blood_thinners", "migraines"],
        "pressure_preference": "medium",
        "areas_to_avoid": ["abdomen"],
        "goals": "Garden for an hour without pain.",
    },
    "James": {
        "chief_complaint": "Stiff neck and shoulders, headaches in the afternoon.",
        "pain_regions": ["neck_back", "upper_back_left", "upper_back_right"],
        "duration": "months",
        "pain_character": ["stiffness"],
        "health_conditions": [],
        "pressure_preference": "firm",
        "areas_to_avoid": [],
        "goals": "Turn my head when driving without pain.",
    },
}


def seed_demo_intakes() -> None:
    """Give two demo clients an intake and a few weeks of check-in scores (idempotent)."""
    now = timezone.now()
    for first_name, answers in DEMO_INTAKES.items():
        client = Client.objects.filter(first_name=first_name).first()
        if client is None or client.intakes.exists():
            continue
        services.intake_submit_staff(
            client=client,
            answers={
                "pain_now": 6,
                "pain_average": 6,
                "pain_worst": 8,
                "peg_enjoyment": 7,
                "peg_activity": 6,
                "stress_rating": 7,
                "sleep_quality": 4,
                "consent_signature": client.full_name,
                **answers,
            },
            submitted_by=None,
            form_token=uuid.uuid4(),
            ip=None,
            now=now - timedelta(days=42),
        )
        Score.objects.bulk_create(
            Score(
                client=client,
                instrument=instrument,
                value=value,
                recorded_at=now - timedelta(days=35 - 7 * week),
                context=Score.Context.PRE_SESSION,
                source_type="demo",
            )
            for week, (pain, stress, sleep) in enumerate(
                [(6, 7, 4), (5, 6, 5), (4, 6, 5), (3, 5, 6)]
            )
            for instrument, value in (("pain_nrs", pain), ("stress", stress), ("sleep", sleep))
        )
