"""The pain-outcome summary (NoteOutcome, NoteOutcomeTechnique): written here and only here.

The rows are derived from the notes, their appointments, techniques and pain
scores by one set of statements, used both for the notes a service has just
changed (in that service's transaction, so the reports are never stale) and
for the nightly rebuild from scratch: an incremental update cannot drift
from a rebuild, because they are the same statement.
"""

from django.db import connection, transaction

from clients.models import Score
from practice.models import Appointment

from .models import NoteOutcome, NoteOutcomeTechnique, SessionNote, TechniqueApplication
from .selectors import AMENDMENT_SOURCE, NOTE_SOURCE

# The note's own pain of one context: its latest score in effect, from the
# note or an amendment (the same pick the note page shows).
_OWN_PAIN = """(
    SELECT s.value FROM {score} s
    WHERE s.appointment_id = {appointment} AND s.instrument = %(pain)s
        AND s.source_type IN (%(source)s, %(amended)s) AND s.superseded_by_id IS NULL
        AND s.context = %({context})s
    ORDER BY s.recorded_at DESC, s.id DESC LIMIT 1
)"""

_NOTES_SQL = """
INSERT INTO {outcome} (note_id, client_id, therapist_id, location_id, starts_at,
    pain_before, pain_after)
SELECT n.id, n.client_id, n.therapist_id, a.location_id, a.starts_at, {before}, {after}
FROM {note} n JOIN {appointment} a ON a.id = n.appointment_id
{where}
"""

# A draft save that changes only pain: one update per table, not the four
# statements of a refresh (the autosave runs on every pause in typing).
_PAIN_SQL = """
UPDATE {table} SET pain_before = {before}, pain_after = {after} WHERE note_id = %(note)s
"""
_NOTE_APPOINTMENT = "(SELECT n.appointment_id FROM {note} n WHERE n.id = %(note)s)"

_TECHNIQUES_SQL = """
INSERT INTO {technique_outcome} (note_id, technique_id, client_id, therapist_id, location_id,
    starts_at, pain_before, pain_after)
SELECT DISTINCT ta.note_id, ta.technique_id, o.client_id, o.therapist_id, o.location_id,
    o.starts_at, o.pain_before, o.pain_after
FROM {application} ta JOIN {outcome} o ON o.note_id = ta.note_id
{where}
"""


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def _tables():
    return {
        "outcome": _table(NoteOutcome),
        "technique_outcome": _table(NoteOutcomeTechnique),
        "note": _table(SessionNote),
        "appointment": _table(Appointment),
        "application": _table(TechniqueApplication),
    }


def _params():
    return {
        "pain": Score.Instrument.PAIN_NRS,
        "source": NOTE_SOURCE,
        "amended": AMENDMENT_SOURCE,
        "pre": Score.Context.PRE_SESSION,
        "post": Score.Context.POST_SESSION,
    }


def _own_pain(appointment):
    return {
        context: _OWN_PAIN.format(score=_table(Score), context=context, appointment=appointment)
        for context in ("pre", "post")
    }


def _write(note_ids=None) -> None:
    """Insert the summary rows of `note_ids` (of every note when None)."""
    tables = _tables()
    params = _params()
    notes_where = techniques_where = ""
    if note_ids is not None:
        pk = SessionNote._meta.pk
        names = []
        for i, note_id in enumerate(note_ids):
            params[f"note{i}"] = pk.get_db_prep_value(note_id, connection)
            names.append(f"%(note{i})s")
        listed = ", ".join(names)
        notes_where = f"WHERE n.id IN ({listed})"
        techniques_where = f"WHERE ta.note_id IN ({listed})"
    own = _own_pain("n.appointment_id")
    with connection.cursor() as cursor:
        cursor.execute(
            _NOTES_SQL.format(**tables, before=own["pre"], after=own["post"], where=notes_where),
            params,
        )
        cursor.execute(_TECHNIQUES_SQL.format(**tables, where=techniques_where), params)


def note_outcomes_refresh(*, note_ids) -> None:
    """Rewrite the summary rows of these notes from their current state.

    Called by every service that changes a note's client, therapist,
    techniques or pain scores, inside its transaction. Two deletes and two
    inserts, whatever the note holds.
    """
    note_ids = list(note_ids)
    if not note_ids:
        return
    with transaction.atomic(savepoint=False):
        NoteOutcomeTechnique.objects.filter(note_id__in=note_ids)._raw_delete(connection.alias)
        NoteOutcome.objects.filter(note_id__in=note_ids)._raw_delete(connection.alias)
        _write(note_ids)


def note_outcomes_pain_refresh(*, note_id) -> None:
    """Rewrite the pain of a note's summary rows (a draft save that changed only pain)."""
    tables = _tables()
    params = {**_params(), "note": SessionNote._meta.pk.get_db_prep_value(note_id, connection)}
    own = _own_pain(_NOTE_APPOINTMENT.format(note=tables["note"]))
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for table in (tables["outcome"], tables["technique_outcome"]):
            cursor.execute(
                _PAIN_SQL.format(table=table, before=own["pre"], after=own["post"]), params
            )


def note_outcomes_rebuild() -> int:
    """Rebuild the whole summary from the notes; returns the number of notes summarised.

    One transaction, so the reports see the old rows or the new, never none.
    Repairs what no service saw: bulk loads, an appointment moved after its
    note was opened, rows edited by hand.
    """
    with transaction.atomic():
        NoteOutcomeTechnique.objects.all()._raw_delete(connection.alias)
        NoteOutcome.objects.all()._raw_delete(connection.alias)
        _write()
        if connection.vendor == "postgresql":
            # The tables were just rewritten: plan the reports on their new
            # statistics, not on those of an empty or older table (a plan
            # made for an empty summary nested-looped a year's notes: 3.5 s).
            with connection.cursor() as cursor:
                cursor.execute(
                    f"ANALYZE {NoteOutcome._meta.db_table}, {NoteOutcomeTechnique._meta.db_table}"
                )
        return NoteOutcome.objects.count()
