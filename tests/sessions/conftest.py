from datetime import date, timedelta

import pytest
from django.utils import timezone

from practice.models import Appointment
from sessions import services
from sessions.models import Technique, TreatmentPlan
from tests import factories


def ensure_techniques():
    """The seeded techniques; a transactional test's flush may have removed them."""
    from importlib import import_module

    from django.apps import apps

    seed = import_module("sessions.migrations.0002_seed_techniques")
    seed.seed(apps, None)


@pytest.fixture(autouse=True)
def _techniques(db):
    ensure_techniques()


@pytest.fixture
def dana_client(therapist):
    return factories.ClientFactory(primary_therapist=therapist, first_name="Maria")


def make_appointment(therapist, client, *, days_ago=0, status=Appointment.Status.CHECKED_IN):
    starts_at = timezone.now().replace(microsecond=0) - timedelta(days=days_ago, hours=2)
    return factories.AppointmentFactory(
        therapist=therapist, client=client, starts_at=starts_at, status=status
    )


@pytest.fixture
def appointment(therapist, dana_client):
    """Dana's checked-in session with Maria."""
    return make_appointment(therapist, dana_client)


@pytest.fixture
def draft(appointment, therapist):
    return services.note_open_for_appointment(appointment=appointment, user=therapist.user)


@pytest.fixture
def technique(db):
    return Technique.objects.get(slug="myofascial-release")


@pytest.fixture
def plan(therapist, dana_client):
    return TreatmentPlan.objects.create(
        client=dana_client,
        therapist=therapist,
        problem_summary="Chronic low back pain, worse after sitting",
        frequency="Weekly",
        planned_sessions=6,
        start_date=date.today() - timedelta(days=30),
    )


def sign(note, user, assessment="Tissue less restricted; progressing."):
    note = services.note_save_draft(
        note=note, user=user, version=note.version, fields={"assessment": assessment}
    )
    return services.note_sign(note=note, user=user)


def queries_for(http, url):
    """Number of SQL queries one warm GET of `url` runs (asserting it answers 200)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    http.get(url)  # warm: the nav badge's count is cached
    with CaptureQueriesContext(connection) as ctx:
        response = http.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)
