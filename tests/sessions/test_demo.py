import pytest

from practice.demo import seed_demo
from sessions import selectors
from sessions.demo import seed_notes
from sessions.models import SessionNote, TreatmentPlan

pytestmark = pytest.mark.django_db


def test_demo_charting_is_signed_verifiable_and_idempotent():
    seed_demo()
    seed_notes()
    seed_notes()
    notes = list(SessionNote.objects.all())
    assert len(notes) == 3
    assert all(note.is_signed and selectors.note_verify(note) for note in notes)
    assert TreatmentPlan.objects.count() == 1
