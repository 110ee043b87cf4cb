import factory
from django.utils import timezone

from clients.consent import CONSENT_VERSION
from clients.models import Intake
from tests.factories import ClientFactory


class IntakeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intake

    client = factory.SubFactory(ClientFactory)
    submitted_at = factory.LazyFunction(timezone.now)
    how = Intake.How.STAFF
    chief_complaint = "Low back pain after gardening"
    pain_regions = factory.LazyFunction(lambda: ["low_back"])
    pain_now = 5
    pain_average = 6
    pain_worst = 8
    consent_version = CONSENT_VERSION
    consent_signature = factory.LazyAttribute(lambda i: i.client.full_name)
    consent_at = factory.LazyFunction(timezone.now)


def intake_answers(**overrides):
    """Cleaned answers of a complete intake, as the form hands them to the service."""
    answers = {
        "date_of_birth": None,
        "phone": "",
        "email": "",
        "emergency_contact_name": "Sam Rivera",
        "emergency_contact_phone": "+12025550199",
        "chief_complaint": "Neck and shoulder pain from desk work",
        "pain_regions": ["neck_back", "upper_back_left"],
        "onset_date": None,
        "duration": "months",
        "pain_character": ["aching", "stiffness"],
        "aggravating_factors": "Sitting",
        "relieving_factors": "Heat",
        "previous_treatment": "",
        "medications": "",
        "pain_now": 4,
        "pain_average": 5,
        "pain_worst": 7,
        "peg_enjoyment": 6,
        "peg_activity": 4,
        "stress_rating": 7,
        "sleep_quality": 3,
        "sleep_hours": None,
        "health_conditions": [],
        "health_notes": "",
        "pressure_preference": "medium",
        "areas_to_avoid": [],
        "goals": "Work a full day without pain",
        "consent_agree": True,
        "consent_signature": "Maria Gonzalez",
    }
    answers.update(overrides)
    return answers
