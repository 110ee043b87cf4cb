"""The REST API (/api/v1/, schema, docs) and the API token pages.

API endpoints authenticate in DRF (a token or the session), so a visitor
without either gets 401 with a Bearer challenge, not the login page; the
matrix reads TOKEN_ENDPOINTS for that. tests/api/test_token_matrix.py walks
the same rows with each persona's API token instead of a session.
"""

from datetime import timedelta

from django.utils import timezone

from api.rest.services import api_token_create
from clients.models import Score
from sessions.models import SessionNote
from sessions.services import note_sign
from tests import factories
from tests.access_rows.personas import DANA_AND_OWNER, OWNER_AND_FRONT_DESK, STAFF

THERAPISTS_AND_OWNER = frozenset({"owner", "therapist", "other_therapist"})
# A therapist's own token page; a token is its user's alone.
DANA = frozenset({"therapist"})
# Dana's client's contact details: every role with client records but Sam.
CLIENT_RECORD = frozenset({"owner", "therapist", "front_desk"})


def _both(resource, listing, detail):
    return {f"api:v1:{resource}-list": listing, f"api:v1:{resource}-detail": detail}


API_ACCESS = {
    "api:v1:availability": STAFF,
    **_both("location", STAFF, STAFF),
    **_both("service", STAFF, STAFF),
    **_both("therapist", STAFF, STAFF),
    # Sam's list is empty (none of his clients), Dana's client is not his.
    **_both("client", STAFF, CLIENT_RECORD),
    **_both("appointment", STAFF, STAFF),
    # POST-only actions: every role gets past the rule and is told 405 for a GET;
    # who may move or cancel which appointment is the action's own check (403).
    "api:v1:appointment-move": STAFF,
    "api:v1:appointment-cancel": STAFF,
    # Clinical records: front desk gets none (404); Sam an empty list.
    **_both("intake", THERAPISTS_AND_OWNER, DANA_AND_OWNER),
    **_both("score", THERAPISTS_AND_OWNER, DANA_AND_OWNER),
    **_both("note", THERAPISTS_AND_OWNER, DANA_AND_OWNER),
    **_both("plan", THERAPISTS_AND_OWNER, DANA_AND_OWNER),
    **_both("invoice", OWNER_AND_FRONT_DESK, OWNER_AND_FRONT_DESK),
    **_both("payment", OWNER_AND_FRONT_DESK, OWNER_AND_FRONT_DESK),
    "api:schema": STAFF,
}
TOKEN_ENDPOINTS = frozenset(API_ACCESS)

ACCESS = {
    **API_ACCESS,
    "api:docs": STAFF,
    # Front desk holds no API token (RELIEF_API_TOKEN_ROLES).
    "api:tokens": THERAPISTS_AND_OWNER,
    "api:token_revoke": DANA,
}


def signed_note(world):
    """A signed note of Dana's, on an appointment of its own."""
    appointment = factories.AppointmentFactory(
        client=world.client,
        therapist=world.therapist,
        service=world.service,
        location=world.location,
        starts_at=world.appointment.starts_at - timedelta(days=7),
        status="completed",
    )
    note = SessionNote.objects.create(
        appointment=appointment,
        client=world.client,
        therapist=world.therapist,
        subjective="Neck stiff.",
        assessment="Improving.",
    )
    return note_sign(note=note, user=world.therapist.user)


def sample_kwargs(world):
    score = Score.objects.create(
        client=world.client,
        instrument=Score.Instrument.PAIN_NRS,
        value=4,
        recorded_at=timezone.now(),
        context=Score.Context.CHECK_IN,
    )
    token, _ = api_token_create(user=world.therapist.user, name="Sync", days=30)
    return {
        "score_id": score.pk,
        "signed_note_id": signed_note(world).pk,
        "token_id": token.pk,
    }
