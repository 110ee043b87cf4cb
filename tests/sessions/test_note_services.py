"""Session note rules: drafts, optimistic locking, signing, the lock, amendments."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from clients.models import Score
from practice.models import Appointment
from sessions import selectors, services
from sessions.models import NoteAmendment, SessionNote, SignedNoteError, TechniqueApplication
from tests import factories
from tests.sessions.conftest import make_appointment, sign

pytestmark = pytest.mark.django_db


def test_opening_twice_returns_the_same_draft(appointment, therapist):
    first = services.note_open_for_appointment(appointment=appointment, user=therapist.user)
    second = services.note_open_for_appointment(appointment=appointment, user=therapist.user)
    assert first.pk == second.pk
    assert first.status == SessionNote.Status.DRAFT
    assert (first.client, first.therapist) == (appointment.client, therapist)


@pytest.mark.parametrize("status", [Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW])
def test_no_note_for_cancelled_or_no_show_appointment(therapist, dana_client, status):
    appointment = make_appointment(therapist, dana_client, status=status)
    with pytest.raises(ValidationError, match="no session to chart"):
        services.note_open_for_appointment(appointment=appointment, user=therapist.user)
    assert not SessionNote.objects.exists()


def test_only_the_appointments_therapist_starts_its_note(appointment, other_therapist, owner):
    for user in (other_therapist.user, owner):
        with pytest.raises(PermissionDenied):
            services.note_open_for_appointment(appointment=appointment, user=user)


def test_draft_prefilled_from_check_in_and_active_plan(appointment, therapist, plan):
    Score.objects.create(
        client=appointment.client,
        instrument=Score.Instrument.PAIN_NRS,
        value=Decimal("6"),
        context=Score.Context.PRE_SESSION,
        appointment=appointment,
        recorded_at=appointment.starts_at,
        source_type="check_in",
    )
    note = services.note_open_for_appointment(appointment=appointment, user=therapist.user)
    assert "Pre-session check-in: Pain (0-10) 6" in note.subjective
    assert "Chronic low back pain" in note.plan_text
    assert note.plan == plan
    pain = selectors.note_pain_scores(note)
    assert pain[Score.Context.PRE_SESSION].value == Decimal("6")


def test_save_draft_writes_text_and_pain_scores_with_contexts(draft, therapist, appointment):
    note = services.note_save_draft(
        note=draft,
        user=therapist.user,
        version=draft.version,
        fields={"subjective": "Neck stiff", "assessment": "Upper trapezius hypertonic"},
        pain_before=7,
        pain_after=3,
    )
    assert note.version == draft.version + 1
    assert SessionNote.objects.get(pk=draft.pk).subjective == "Neck stiff"
    scores = Score.objects.filter(source_type="session_note", source_id=str(draft.pk))
    by_context = {s.context: s for s in scores}
    assert set(by_context) == {"pre_session", "post_session"}
    assert by_context["pre_session"].value == 7
    assert by_context["post_session"].value == 3
    for score in scores:
        assert score.instrument == "pain_nrs"
        assert score.appointment == appointment
        assert score.client == appointment.client
    assert by_context["pre_session"].recorded_at == appointment.starts_at
    assert by_context["post_session"].recorded_at == appointment.ends_at


def test_clearing_a_pain_score_removes_its_row(draft, therapist):
    note = services.note_save_draft(
        note=draft, user=therapist.user, version=draft.version, fields={}, pain_after=4
    )
    services.note_save_draft(
        note=note, user=therapist.user, version=note.version, fields={}, pain_after=None
    )
    assert not Score.objects.filter(context="post_session").exists()


def test_a_pain_change_alone_moves_the_version_and_every_write_is_audited(draft, therapist):
    from auditlog.models import LogEntry

    note = services.note_save_draft(
        note=draft, user=therapist.user, version=draft.version, fields={}, pain_after=4
    )
    assert note.version == draft.version + 1
    score = Score.objects.get(context="post_session")
    created = LogEntry.objects.get_for_object(score).get()
    assert created.action == LogEntry.Action.CREATE
    assert created.object_repr == "Pain (0-10) 4 (After session)"
    assert LogEntry.objects.get_for_object(note).filter(action=LogEntry.Action.UPDATE).exists()
    services.note_save_draft(
        note=note, user=therapist.user, version=note.version, fields={}, pain_after=None
    )
    assert LogEntry.objects.filter(
        action=LogEntry.Action.DELETE, content_type__model="score", object_pk=str(score.pk)
    ).exists()


def test_a_save_that_changes_nothing_keeps_the_version_but_still_checks_it(draft, therapist):
    save = services.note_save_draft
    note = save(note=draft, user=therapist.user, version=draft.version, fields={"objective": "x"})
    again = save(note=note, user=therapist.user, version=note.version, fields={"objective": "x"})
    assert again.version == note.version
    with pytest.raises(services.NoteConflict):
        save(note=note, user=therapist.user, version=draft.version, fields={"objective": "x"})


@pytest.mark.parametrize("value", [-1, 11])
def test_pain_out_of_range_is_refused(draft, therapist, value):
    with pytest.raises(ValidationError):
        services.note_save_draft(
            note=draft, user=therapist.user, version=draft.version, fields={}, pain_before=value
        )
    assert not Score.objects.exists()


def test_stale_version_is_a_conflict_and_changes_nothing(draft, therapist):
    opened_at = draft.version
    services.note_save_draft(
        note=draft, user=therapist.user, version=opened_at, fields={"objective": "first tab"}
    )
    with pytest.raises(services.NoteConflict):
        services.note_save_draft(
            note=draft, user=therapist.user, version=opened_at, fields={"objective": "second tab"}
        )
    assert SessionNote.objects.get(pk=draft.pk).objective == "first tab"


def test_other_therapist_cannot_save_a_draft(draft, other_therapist):
    with pytest.raises(PermissionDenied):
        services.note_save_draft(
            note=draft, user=other_therapist.user, version=draft.version, fields={"objective": "x"}
        )


def test_signing_needs_an_assessment(draft, therapist):
    with pytest.raises(ValidationError) as error:
        services.note_sign(note=draft, user=therapist.user)
    assert "assessment" in error.value.message_dict
    assert SessionNote.objects.get(pk=draft.pk).status == SessionNote.Status.DRAFT


def test_signing_locks_and_records_the_signature(draft, therapist):
    note = sign(draft, therapist.user)
    assert note.status == SessionNote.Status.SIGNED
    assert note.signed_by == therapist.user
    assert note.signed_at is not None
    assert len(note.content_hash) == 64
    assert selectors.note_verify(note)
    with pytest.raises(ValidationError, match="signed"):
        services.note_save_draft(
            note=note, user=therapist.user, version=note.version, fields={"assessment": "new"}
        )
    with pytest.raises(ValidationError, match="signed"):
        services.note_sign(note=note, user=therapist.user)


def test_save_refuses_changes_to_a_signed_note_even_from_a_stale_instance(draft, therapist):
    stale = SessionNote.objects.get(pk=draft.pk)
    sign(draft, therapist.user)
    # `stale` still believes it is a draft; the database row decides.
    stale.assessment = "rewritten"
    with pytest.raises(SignedNoteError):
        stale.save()
    fresh = SessionNote.objects.get(pk=draft.pk)
    fresh.objective = "rewritten"
    with pytest.raises(SignedNoteError):
        fresh.save()
    fresh.refresh_from_db()
    fresh.status = SessionNote.Status.DRAFT
    with pytest.raises(SignedNoteError):
        fresh.save()
    with pytest.raises(SignedNoteError):
        fresh.delete()
    assert SessionNote.objects.get(pk=draft.pk).assessment.startswith("Tissue less")


def test_signed_note_techniques_cannot_change(draft, therapist, technique):
    application = services.technique_add(
        note=draft, user=therapist.user, technique=technique, minutes=15, body_regions=["low_back"]
    )
    sign(draft, therapist.user)
    application.minutes = 50
    with pytest.raises(SignedNoteError):
        application.save()
    with pytest.raises(SignedNoteError):
        application.delete()
    with pytest.raises(ValidationError):
        services.technique_add(note=draft, user=therapist.user, technique=technique, minutes=5)
    assert TechniqueApplication.objects.get(pk=application.pk).minutes == 15


def test_hash_detects_tampering_in_the_database(draft, therapist, technique):
    services.technique_add(note=draft, user=therapist.user, technique=technique, minutes=15)
    services.note_save_draft(
        note=draft, user=therapist.user, version=draft.version, fields={}, pain_before=6
    )
    note = sign(SessionNote.objects.get(pk=draft.pk), therapist.user)
    assert selectors.note_verify(note)

    # Queryset updates bypass save(): exactly what a direct database edit looks like.
    SessionNote.objects.filter(pk=note.pk).update(assessment="Edited behind our back")
    assert not selectors.note_verify(note)
    SessionNote.objects.filter(pk=note.pk).update(assessment="Tissue less restricted; progressing.")
    assert selectors.note_verify(note)

    TechniqueApplication.objects.filter(note=note).update(minutes=45)
    assert not selectors.note_verify(note)
    TechniqueApplication.objects.filter(note=note).update(minutes=15)

    Score.objects.filter(source_id=str(note.pk)).update(value=2)
    assert not selectors.note_verify(note)


def test_reassigning_therapist_keeps_the_signature_valid(draft, therapist, other_therapist, owner):
    note = sign(draft, therapist.user)
    services.note_reassign(note=note, therapist=other_therapist, user=owner)
    note.refresh_from_db()
    assert note.therapist == other_therapist
    assert selectors.note_verify(note)
    with pytest.raises(PermissionDenied):
        services.note_reassign(note=note, therapist=therapist, user=therapist.user)


def test_amendments_append_and_never_change(draft, therapist):
    with pytest.raises(ValidationError):
        services.note_amend(note=draft, user=therapist.user, text="too early")
    note = sign(draft, therapist.user)
    first = services.note_amend(note=note, user=therapist.user, text="Pressure was firm, not deep.")
    second = services.note_amend(note=note, user=therapist.user, text="Client called: sore 1 day.")
    assert list(note.amendments.all()) == [first, second]
    assert first.author == therapist.user and first.created_at is not None
    first.text = "changed"
    with pytest.raises(SignedNoteError):
        first.save()
    with pytest.raises(SignedNoteError):
        first.delete()
    assert NoteAmendment.objects.get(pk=first.pk).text == "Pressure was firm, not deep."
    with pytest.raises(ValidationError):
        services.note_amend(note=note, user=therapist.user, text="   ")
    assert selectors.note_verify(note)


def test_technique_rows_validate_input(draft, therapist, technique):
    with pytest.raises(ValidationError):
        services.technique_add(note=draft, user=therapist.user, technique=None, minutes=10)
    for minutes in (0, 181):
        with pytest.raises(ValidationError):
            services.technique_add(
                note=draft, user=therapist.user, technique=technique, minutes=minutes
            )
    with pytest.raises(ValidationError, match="Unknown body regions"):
        services.technique_add(
            note=draft, user=therapist.user, technique=technique, minutes=5, body_regions=["tail"]
        )
    assert not TechniqueApplication.objects.exists()


def test_signing_is_audited(draft, therapist):
    from auditlog.models import LogEntry

    sign(draft, therapist.user)
    entries = LogEntry.objects.get_for_object(SessionNote.objects.get(pk=draft.pk))
    assert entries.filter(action=LogEntry.Action.UPDATE).exists()


def test_backlog_lists_unsigned_checked_in_and_completed_sessions_oldest_first(
    therapist, other_therapist, dana_client, owner
):
    old = make_appointment(therapist, dana_client, days_ago=3, status="completed")
    new = make_appointment(therapist, dana_client, days_ago=1)
    signed_appt = make_appointment(therapist, dana_client, days_ago=2)
    make_appointment(therapist, dana_client, days_ago=4, status="cancelled")
    factories.AppointmentFactory(therapist=therapist, client=dana_client)  # booked, future
    sams = make_appointment(other_therapist, dana_client, days_ago=5)
    note = services.note_open_for_appointment(appointment=signed_appt, user=therapist.user)
    sign(note, therapist.user)
    services.note_open_for_appointment(appointment=new, user=therapist.user)  # a draft stays

    assert list(selectors.charting_backlog(user=therapist.user)) == [old, new]
    assert list(selectors.charting_backlog(user=owner)) == [sams, old, new]
