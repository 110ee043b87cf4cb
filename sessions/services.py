"""Writes for session notes, techniques applied, amendments and treatment plans.

Services enforce the rules (who writes, what a signature locks, optimistic
locking of drafts); views only parse input and call them.
"""

from copy import copy

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from api.webhooks.services import webhook_event_record
from clients.body_regions import BODY_REGIONS
from clients.models import Score
from clients.selectors import treatment_cautions
from practice.security.access import Role, roles_of
from practice.security.audit import audit_batch
from practice.validation import full_clean_loaded

from . import selectors, signing
from .models import (
    AmendedTechnique,
    Goal,
    NoteAmendment,
    SessionNote,
    Technique,
    TechniqueApplication,
    TreatmentPlan,
)
from .outcomes import note_outcomes_pain_refresh, note_outcomes_refresh

NOTE_TEXT_FIELDS = (
    "subjective",
    "objective",
    "assessment",
    "plan_text",
    "pressure",
    "client_response",
    "home_care",
)
# Default for pain arguments: leave the stored score as it is (None clears it).
KEEP = object()


class NoteConflict(Exception):
    """The draft changed since the editor loaded it (another tab or person)."""


REVIEW_HINT = "Tick “I have reviewed the red flags” to record it anyway."


class CautionsNotReviewed(ValidationError):
    """A pressure that goes against the client's red flags was held back.

    The draft's other changes were saved: `note` is the note as stored now, so
    an autosave keeps everything else and the editor keeps its version.
    """

    def __init__(self, problems, *, note):
        super().__init__(
            {"pressure": "Pressure not saved. " + " ".join(problems) + " " + REVIEW_HINT}
        )
        self.note = note


def _cautions_problems(client, *, pressure="", regions=(), overall=False):
    if not pressure and not regions:
        return []
    return treatment_cautions(client).contradictions(
        pressure=pressure, regions=regions, overall=overall
    )


def _require_author(user, record):
    if not selectors.is_author(user, record):
        raise PermissionDenied("Only the note's own therapist may write it.")


def _require_draft(note, *, locked=False):
    """Refuse a signed note. Unless `note` was just read under lock, ask the
    database: the caller's instance may predate a signature."""
    signed = note.is_signed or (
        not locked and SessionNote.objects.filter(pk=note.pk, status="signed").exists()
    )
    if signed:
        raise ValidationError("This note is signed and locked. Add an amendment instead.")


def _validate_regions(codes):
    unknown = [code for code in codes if code not in BODY_REGIONS]
    if unknown:
        raise ValidationError(f"Unknown body regions: {', '.join(unknown)}.")


def _check_in_summary(scores) -> str:
    if not scores:
        return ""
    latest_at = scores[0].recorded_at
    parts = [
        f"{s.get_instrument_display()} {s.value.normalize():f}"
        for s in scores
        if abs((latest_at - s.recorded_at).total_seconds()) < 3600
    ]
    return "Pre-session check-in: " + "; ".join(parts) + "."


def _plan_summary(plan) -> str:
    if plan is None:
        return ""
    return f"Treatment plan ({plan.frequency}): {plan.problem_summary}"


def note_open_for_appointment(*, appointment, user) -> SessionNote:
    """The appointment's note, creating a prefilled draft on first opening.

    Only the appointment's therapist may start a note; cancelled and no-show
    appointments have nothing to chart.
    """
    if not selectors.is_author(user, appointment):
        raise PermissionDenied("Only the appointment's therapist writes its note.")
    existing = SessionNote.objects.filter(appointment=appointment).first()
    if existing is not None:
        return existing
    problem = selectors.note_start_problem(appointment)
    if problem:
        raise ValidationError(problem)
    plan = selectors.active_plan_for(client=appointment.client, therapist=appointment.therapist)
    check_in = selectors.check_in_scores(appointment)
    note = SessionNote(
        appointment=appointment,
        client=appointment.client,
        therapist=appointment.therapist,
        plan=plan,
        subjective=_check_in_summary(check_in),
        plan_text=_plan_summary(plan),
    )
    # Uniqueness is left to the database: a check here could pass in both
    # of two simultaneous requests, and the loser must get the winner's note.
    note.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            note.save()
            note_outcomes_refresh(note_ids=[note.pk])
    except IntegrityError:
        # Opened twice at once (double click, two tabs): the other request won.
        return SessionNote.objects.get(appointment=appointment)
    pain = next((s for s in check_in if s.instrument == Score.Instrument.PAIN_NRS), None)
    if pain is not None:
        with transaction.atomic(), audit_batch() as log:
            _save_pain(note, user, {Score.Context.PRE_SESSION: pain.value}, log)
            note_outcomes_pain_refresh(note_id=note.pk)
    return note


def _save_pain(note, user, values, log) -> bool:
    """Write, change or clear the note's own pain scores ({context: value or None}).

    Only scores that change are written. `note` carries its client and
    appointment loaded. Returns whether anything was written.
    """
    stored = selectors.note_pain_scores(note)
    written = False
    for context, value in values.items():
        score = stored.get(context)
        if value is None:
            if score is not None:
                log.delete(score)
                written = True
            continue
        if score is not None and score.value == value:
            continue
        old = copy(score) if score is not None else None
        if score is None:
            appointment = note.appointment
            score = Score(
                client=note.client,
                instrument=Score.Instrument.PAIN_NRS,
                context=context,
                appointment=appointment,
                source_type=selectors.NOTE_SOURCE,
                source_id=str(note.pk),
                recorded_at=(
                    appointment.starts_at
                    if context == Score.Context.PRE_SESSION
                    else appointment.ends_at
                ),
            )
        # A stored score keeps its client and appointment as they are.
        unchanged = ["client", "appointment"] if old is not None else []
        score.value = value
        score.recorded_by = user
        # The value's validators check the 0-10 range the constraint enforces.
        full_clean_loaded(score, exclude=unchanged, validate_constraints=False)
        log.save(score, old=old)
        written = True
    return written


def note_save_draft(
    *,
    note,
    user,
    version,
    fields: dict,
    pain_before=KEEP,
    pain_after=KEEP,
    cautions_reviewed=False,
) -> SessionNote:
    """Save a draft's text and pain scores if nobody saved it since `version`.

    Raises NoteConflict when the stored version moved on, so a second editor
    gets a clear message instead of silently overwriting the first. Only what
    changed is written (and audited); the version moves on only then, so a
    save that changes nothing writes nothing.

    A new pressure that goes against the client's red flags or preferences is
    held back unless `cautions_reviewed`: everything else is saved, then
    CautionsNotReviewed says why.
    """
    held = []
    current = _note_save_draft(
        note=note,
        user=user,
        version=version,
        fields=fields,
        pain_before=pain_before,
        pain_after=pain_after,
        cautions_reviewed=cautions_reviewed,
        held=held,
    )
    if held:
        raise CautionsNotReviewed(held, note=current)
    return current


def _note_save_draft(
    *, note, user, version, fields, pain_before, pain_after, cautions_reviewed, held
) -> SessionNote:
    _require_author(user, note)
    unknown = set(fields) - set(NOTE_TEXT_FIELDS)
    if unknown:
        raise ValueError(f"Not note fields: {sorted(unknown)}")
    for value in (pain_before, pain_after):
        if value not in (None, KEEP) and not 0 <= value <= 10:
            raise ValidationError("Pain scores run from 0 to 10.")
    pain = {
        context: value
        for context, value in (
            (Score.Context.PRE_SESSION, pain_before),
            (Score.Context.POST_SESSION, pain_after),
        )
        if value is not KEEP
    }
    with transaction.atomic(), audit_batch() as log:
        # Locked with what the audit entries' descriptions and the pain
        # scores need, so neither reads them again.
        current = (
            SessionNote.objects.select_for_update(of=("self",))
            .select_related("client", "appointment__client", "appointment__therapist")
            .get(pk=note.pk)
        )
        _require_draft(current, locked=True)
        if current.version != version:
            raise NoteConflict(
                "Someone saved this draft after you opened it (another tab or person). "
                "Your latest changes were not saved."
            )
        changed = [name for name, value in fields.items() if getattr(current, name) != value]
        if "pressure" in changed and not cautions_reviewed:
            held.extend(
                _cautions_problems(current.client, pressure=fields["pressure"], overall=True)
            )
            if held:
                changed.remove("pressure")
        pain_written = _save_pain(current, user, pain, log) if pain else False
        if pain_written:
            note_outcomes_pain_refresh(note_id=current.pk)
        if not changed and not pain_written:
            return current
        stored = copy(current)
        for name in changed:
            setattr(current, name, fields[name])
        current.version += 1
        # Only the text fields change: the keys, status and signature stay as
        # stored (and the save refuses a note signed meanwhile).
        current.full_clean(
            exclude=[f.name for f in SessionNote._meta.fields if f.name not in changed],
            validate_unique=False,
            validate_constraints=False,
        )
        log.save(current, old=stored, update_fields=[*changed, "version", "updated_at"])
    return current


def technique_add(
    *,
    note,
    user,
    technique,
    minutes,
    body_regions=(),
    side="",
    pressure="",
    notes="",
    cautions_reviewed=False,
) -> TechniqueApplication:
    _require_author(user, note)
    _require_draft(note)
    if technique is None:
        raise ValidationError({"technique": "Choose the technique you applied."})
    _validate_regions(body_regions)
    if not cautions_reviewed:
        problems = _cautions_problems(note.client, pressure=pressure, regions=body_regions)
        if problems:
            raise ValidationError(
                {"red_flags_reviewed": "Not added. " + " ".join(problems) + " " + REVIEW_HINT}
            )
    application = TechniqueApplication(
        note=note,
        technique=technique,
        body_regions=list(body_regions),
        side=side,
        minutes=minutes,
        pressure=pressure,
        notes=notes,
    )
    application.full_clean()
    with transaction.atomic():
        application.save()
        note_outcomes_refresh(note_ids=[note.pk])
    return application


def technique_remove(*, application, user) -> None:
    _require_author(user, application.note)
    _require_draft(application.note)
    with transaction.atomic():
        application.delete()
        note_outcomes_refresh(note_ids=[application.note_id])


def _signing_problems(note) -> list[str]:
    """What in the draft (overall pressure, techniques) goes against the cautions."""
    if not note.pressure and not note.techniques.exists():
        return []
    cautions = treatment_cautions(note.client)
    problems = cautions.contradictions(pressure=note.pressure, overall=True)
    for application in note.techniques.select_related("technique"):
        problems += [
            f"{application.technique.name}: {problem}"
            for problem in cautions.contradictions(
                pressure=application.pressure, regions=application.body_regions
            )
        ]
    return problems


def _check_signable(current, *, cautions_reviewed):
    if not current.assessment.strip():
        raise ValidationError({"assessment": "Write an assessment before signing."})
    if not cautions_reviewed:
        problems = _signing_problems(current)
        if problems:
            raise ValidationError(
                {
                    "red_flags_reviewed": "Not signed. "
                    + " ".join(problems)
                    + " Tick “I have reviewed the red flags” to sign."
                }
            )


def note_check_signable(*, note, user, cautions_reviewed=False) -> None:
    """Raise what would stop `note_sign`, before the signer is asked to confirm."""
    _require_author(user, note)
    current = SessionNote.objects.select_related("client").get(pk=note.pk)
    _require_draft(current, locked=True)
    _check_signable(current, cautions_reviewed=cautions_reviewed)


def note_sign(*, note, user, cautions_reviewed=False, version=None) -> SessionNote:
    """Sign and lock a draft: assessment required; stores the content hash.

    A draft whose pressure or techniques go against the client's red flags is
    signed only with `cautions_reviewed`. With `version` (the one the signer
    confirmed), a draft saved since then is refused with NoteConflict, so what
    is locked is what was shown.
    """
    _require_author(user, note)
    with transaction.atomic():
        current = (
            SessionNote.objects.select_for_update(of=("self",))
            .select_related("client")
            .get(pk=note.pk)
        )
        _require_draft(current, locked=True)
        if version is not None and current.version != version:
            raise NoteConflict(
                "The draft changed after you reviewed it (another tab or person). "
                "Review it again before signing."
            )
        _check_signable(current, cautions_reviewed=cautions_reviewed)
        current.status = SessionNote.Status.SIGNED
        current.signed_at = timezone.now().replace(microsecond=0)
        current.signed_by = user
        current.content_hash = signing.content_hash(selectors.note_signed_content(current))
        current.full_clean()
        current.save()
        webhook_event_record(event="note.signed", instance=current)
        # Dropping the cached count early is harmless should this roll back.
        selectors.charting_backlog_forget(therapist_id=current.therapist_id)
    return current


def note_amend(
    *, note, user, text, pain_before=KEEP, pain_after=KEEP, techniques=None
) -> NoteAmendment:
    """Append a correction to a signed note.

    `pain_before`/`pain_after` correct the session's pain scores (a new Score
    supersedes the one in effect; the signed one stays). `techniques`, a list
    of dicts of technique rows, replaces the technique table as shown (the
    signed rows stay beside it). The text says what was wrong and is required.
    """
    _require_author(user, note)
    if not note.is_signed:
        raise ValidationError("Drafts are edited directly; amendments are for signed notes.")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Say what you are correcting and why."})
    with transaction.atomic():
        current = selectors.note_pain_in_effect(note, lock=True)
        pain = {
            context: value
            for context, value in (
                (Score.Context.PRE_SESSION, pain_before),
                (Score.Context.POST_SESSION, pain_after),
            )
            # A value equal to what is in effect corrects nothing.
            if value is not KEEP and _value_of(current.get(context)) != value
        }
        if any(value is None for value in pain.values()):
            raise ValidationError("A corrected pain score needs a value from 0 to 10.")
        amendment = NoteAmendment(
            note=note,
            author=user,
            text=text,
            pain_before=pain.get(Score.Context.PRE_SESSION),
            pain_after=pain.get(Score.Context.POST_SESSION),
            corrects_techniques=techniques is not None,
        )
        amendment.full_clean()
        amendment.save()
        for context, value in pain.items():
            _supersede_pain(note, amendment, current.get(context), context, value, user)
        if pain:
            note_outcomes_refresh(note_ids=[note.pk])
        for row in techniques or ():
            corrected = AmendedTechnique(amendment=amendment, **row)
            corrected.full_clean(exclude=["amendment"])
            corrected.save()
    return amendment


def _value_of(score):
    return None if score is None else score.value


def _supersede_pain(note, amendment, current, context, value, user):
    correction = Score.objects.create(
        client_id=note.client_id,
        instrument=Score.Instrument.PAIN_NRS,
        value=value,
        recorded_at=current.recorded_at if current else note.appointment.starts_at,
        context=context,
        source_type=selectors.AMENDMENT_SOURCE,
        source_id=str(amendment.pk),
        appointment_id=note.appointment_id,
        recorded_by=user,
    )
    if current is not None:
        current.superseded_by = correction
        current.save(update_fields=["superseded_by"])


def _require_owner(user):
    if Role.OWNER not in roles_of(user):
        raise PermissionDenied("Only the owner reassigns records.")


def note_reassign(*, note, therapist, user) -> SessionNote:
    """Owner: hand a note to another therapist (the signature stays the signer's)."""
    _require_owner(user)
    note.therapist = therapist
    with transaction.atomic():
        note.save(update_fields=["therapist", "updated_at"])
        note_outcomes_refresh(note_ids=[note.pk])
    return note


def plan_reassign(*, plan, therapist, user) -> TreatmentPlan:
    _require_owner(user)
    plan.therapist = therapist
    plan.save(update_fields=["therapist", "updated_at"])
    return plan


PLAN_FIELDS = (
    "problem_summary",
    "frequency",
    "planned_sessions",
    "focus_regions",
    "start_date",
    "review_date",
)


def _apply_plan(plan, fields, techniques, goals):
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"Not plan fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(plan, name, value)
    _validate_regions(plan.focus_regions)
    plan.full_clean()
    plan.save()
    plan.planned_techniques.set(techniques)
    _save_goals(plan, goals)


def _save_goals(plan, goals):
    """goals: dicts with description, instrument, direction, target_value,
    target_date, achieved, and optionally id (existing goal) and delete."""
    existing = {goal.pk: goal for goal in plan.goals.all()}
    for data in goals:
        data = dict(data)
        pk = data.pop("id", None)
        delete = data.pop("delete", False)
        achieved = data.pop("achieved", False)
        goal = existing.get(pk) if pk else Goal(plan=plan)
        if goal is None:
            raise ValidationError("That goal belongs to another plan.")
        if delete:
            if goal.pk:
                goal.delete()
            continue
        for name, value in data.items():
            setattr(goal, name, value)
        if achieved and goal.achieved_at is None:
            goal.achieved_at = timezone.now()
        elif not achieved:
            goal.achieved_at = None
        goal.full_clean()
        goal.save()


@transaction.atomic
def plan_create(*, client, therapist, user, fields: dict, techniques=(), goals=()) -> TreatmentPlan:
    """A new active plan. A therapist creates their own; the owner names the therapist."""
    if Role.OWNER not in roles_of(user):
        own = selectors.therapist_of(user)
        if own is None or own.pk != therapist.pk:
            raise PermissionDenied("Therapists create their own plans.")
    plan = TreatmentPlan(client=client, therapist=therapist)
    _apply_plan(plan, fields, techniques, goals)
    return plan


@transaction.atomic
def plan_update(*, plan, user, fields: dict, techniques=(), goals=()) -> TreatmentPlan:
    _require_author(user, plan)
    if not plan.is_active:
        raise ValidationError("This plan is closed; start a new plan instead.")
    _apply_plan(plan, fields, techniques, goals)
    return plan


def plan_close(*, plan, user, status, reason) -> TreatmentPlan:
    """Close an active plan as completed or discontinued, with the reason."""
    _require_author(user, plan)
    if not plan.is_active:
        raise ValidationError("This plan is already closed.")
    if status not in (TreatmentPlan.Status.COMPLETED, TreatmentPlan.Status.DISCONTINUED):
        raise ValidationError({"status": "Close a plan as completed or discontinued."})
    if not (reason or "").strip():
        raise ValidationError({"close_reason": "Say why the plan is closing."})
    plan.status = status
    plan.close_reason = reason.strip()
    plan.closed_at = timezone.now()
    plan.full_clean()
    plan.save()
    return plan


def technique_create(*, name, category, description="", user) -> Technique:
    _require_owner(user)
    name = (name or "").strip()
    technique = Technique(
        name=name, slug=slugify(name)[:120], category=category, description=description
    )
    technique.full_clean()
    technique.save()
    return technique


def technique_set_active(*, technique, active, user) -> Technique:
    _require_owner(user)
    technique.active = active
    technique.save(update_fields=["active"])
    return technique
