"""Two editors saving the same draft version at the same moment (real PostgreSQL)."""

import threading

import pytest
from django.db import connection

from sessions import services
from sessions.models import SessionNote
from tests import factories
from tests.sessions.conftest import make_appointment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_saves_of_one_version_let_exactly_one_win(therapist):
    client = factories.ClientFactory(primary_therapist=therapist)
    note = services.note_open_for_appointment(
        appointment=make_appointment(therapist, client), user=therapist.user
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def save(text):
        try:
            barrier.wait()
            services.note_save_draft(
                note=note, user=therapist.user, version=note.version, fields={"objective": text}
            )
            outcomes.append(("saved", text))
        except services.NoteConflict:
            outcomes.append(("conflict", text))
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(text,)) for text in ("tab one", "tab two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(kind for kind, _ in outcomes) == ["conflict", "saved"]
    winner = next(text for kind, text in outcomes if kind == "saved")
    stored = SessionNote.objects.get(pk=note.pk)
    assert stored.objective == winner
    assert stored.version == note.version + 1


def test_opening_the_same_appointment_twice_at_once_makes_one_note(therapist):
    client = factories.ClientFactory(primary_therapist=therapist)
    appointment = make_appointment(therapist, client)
    barrier = threading.Barrier(2)
    notes, errors = [], []

    def open_note():
        try:
            barrier.wait()
            notes.append(
                services.note_open_for_appointment(appointment=appointment, user=therapist.user).pk
            )
        except Exception as error:  # a loser must get the winner's note, never an error
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_note) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(notes) == 2 and notes[0] == notes[1]
    assert SessionNote.objects.filter(appointment=appointment).count() == 1
