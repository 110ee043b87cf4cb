"""Reads of session notes and treatment plans, scoped to what a user may see.

Owner: everything. Therapist: notes and plans of their clients
(clients.selectors.clients_visible_to). Front desk and everyone else: nothing.
"""

import logging
import time
from collections import Counter, defaultdict
from datetime import date

from auditlog.models import LogEntry
from celery import current_app
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from kombu.exceptions import KombuError

from clients.body_regions import region_label
from clients.models import Score
from clients.selectors import clients_visible_to, records_of_visible_clients
from practice.models import Appointment
from practice.security.access import Role, roles_of

from . import signing
from .models import (
    AmendedTechnique,
    NoteAmendment,
    SessionNote,
    TechniqueApplication,
    TreatmentPlan,
)

logger = logging.getLogger(__name__)

NOTE_SOURCE = "session_note"
# Scores written by an amendment that corrects a note's pain before or after.
AMENDMENT_SOURCE = "note_amendment"
PAIN_CONTEXTS = (Score.Context.PRE_SESSION, Score.Context.POST_SESSION)
BACKLOG_STATUSES = (Appointment.Status.CHECKED_IN, Appointment.Status.COMPLETED)


def therapist_of(user):
    """The user's Therapist row when they hold the therapist role, else None."""
    if Role.THERAPIST not in roles_of(user):
        return None
    return getattr(user, "therapist", None)


def is_author(user, record) -> bool:
    """Whether `user` writes `record` (a note or plan): its own therapist only."""
    therapist = therapist_of(user)
    return therapist is not None and record.therapist_id == therapist.pk


def _scoped(user, qs, listing):
    # Notes and plans are clinical records: a therapist who also works the
    # front desk reads those of their own clients only, as with intakes and
    # scores (the desk role alone reads none).
    if therapist_of(user) is None and Role.OWNER not in roles_of(user):
        return qs.none()
    return records_of_visible_clients(user, qs, clinical=True, listing=listing)


def notes_visible_to(user, *, listing=False):
    """`listing`: for a list of many notes (records_of_visible_clients)."""
    return _scoped(user, SessionNote.objects.all(), listing)


def plans_visible_to(user, *, listing=False):
    return _scoped(user, TreatmentPlan.objects.all(), listing)


def _get(qs, pk):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def get_note_for_user(user, pk) -> SessionNote:
    qs = notes_visible_to(user).select_related(
        "client", "therapist", "appointment__service", "signed_by", "plan"
    )
    return _get(qs, pk)


def get_plan_for_user(user, pk) -> TreatmentPlan:
    return _get(plans_visible_to(user).select_related("client", "therapist"), pk)


def get_appointment_for_user(user, pk) -> Appointment:
    """An appointment of a client whose clinical record `user` may read."""
    qs = Appointment.objects.select_related("client", "therapist", "service")
    if Role.OWNER not in roles_of(user):
        if therapist_of(user) is None:
            raise Http404
        qs = qs.filter(client__in=clients_visible_to(user))
    return _get(qs, pk)


def active_plan_for(*, client, therapist=None):
    """The client's current plan, preferring the given therapist's own."""
    plans = TreatmentPlan.objects.filter(client=client, status=TreatmentPlan.Status.ACTIVE)
    if therapist is not None:
        own = plans.filter(therapist=therapist).order_by("-start_date").first()
        if own is not None:
            return own
    return plans.order_by("-start_date").first()


def check_in_scores(appointment):
    """Pre-session check-in scores for an appointment, not written by a note."""
    return list(
        Score.objects.filter(appointment=appointment, context=Score.Context.PRE_SESSION)
        .exclude(source_type__in=[NOTE_SOURCE, AMENDMENT_SOURCE])
        .order_by("-recorded_at")
    )


def note_pain_scores(note):
    """{context: Score} for the pain before and after written by this note."""
    scores = Score.objects.filter(
        appointment_id=note.appointment_id,
        instrument=Score.Instrument.PAIN_NRS,
        context__in=PAIN_CONTEXTS,
        source_type=NOTE_SOURCE,
        source_id=str(note.pk),
    )
    return {s.context: s for s in scores}


def note_pain_in_effect(note, *, lock=False):
    """{context: Score} of the note's pain before and after as corrected by amendments."""
    scores = Score.objects.filter(
        Q(source_type=NOTE_SOURCE, source_id=str(note.pk))
        | Q(
            source_type=AMENDMENT_SOURCE,
            source_id__in=[str(pk) for pk in note.amendments.values_list("pk", flat=True)],
        ),
        appointment_id=note.appointment_id,
        instrument=Score.Instrument.PAIN_NRS,
        context__in=PAIN_CONTEXTS,
        superseded_by__isnull=True,
    )
    if lock:
        scores = scores.select_for_update()
    return {s.context: s for s in scores}


def note_signed_content(note) -> dict:
    return signing.note_content(
        note=note,
        techniques=TechniqueApplication.objects.filter(note=note),
        pain_scores=note_pain_scores(note).values(),
    )


UNCHARTABLE = (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW)


def note_start_problem(appointment) -> str:
    """Why no note can be started for `appointment`, or "" when one can."""
    if appointment.status in UNCHARTABLE:
        return (
            f"This appointment is {appointment.get_status_display().lower()}; "
            "there is no session to chart."
        )
    return ""


def note_verify(note) -> bool:
    """True when a signed note's stored content still matches its signature hash."""
    if not note.is_signed:
        return False
    fresh = SessionNote.objects.get(pk=note.pk)
    return signing.content_hash(note_signed_content(fresh)) == fresh.content_hash


def note_detail(note):
    """Everything the note page shows, in a fixed number of queries."""
    techniques = list(note.techniques.select_related("technique"))
    amendments = list(_amendments_with_corrections().filter(note=note))
    pain = note_pain_scores(note)
    for amendment in amendments:
        amendment.technique_rows = [_technique_row(t) for t in amendment.techniques.all()]
    correcting = [a for a in amendments if a.corrects_techniques]
    return {
        "techniques": [_technique_row(t) for t in techniques],
        "amendments": amendments,
        # The technique table as the latest correction has it (None: as signed).
        "techniques_corrected_by": correcting[-1] if correcting else None,
        "pain_before": pain.get(Score.Context.PRE_SESSION),
        "pain_after": pain.get(Score.Context.POST_SESSION),
        "pain_before_corrected": _latest_correction(amendments, "pain_before"),
        "pain_after_corrected": _latest_correction(amendments, "pain_after"),
    }


def _latest_correction(amendments, field):
    """(value, amendment) of the last amendment that corrected `field`, else None."""
    for amendment in reversed(amendments):
        if getattr(amendment, field) is not None:
            return getattr(amendment, field), amendment
    return None


def _technique_row(application):
    application.region_labels = [region_label(code) for code in application.body_regions]
    return application


def charting_backlog(*, user):
    """Checked-in or completed appointments without a signed note, oldest first.

    A therapist sees their own; the owner sees every therapist's.
    """
    therapist = therapist_of(user)
    if therapist is None and Role.OWNER not in roles_of(user):
        return Appointment.objects.none()
    return _backlog(therapist.pk if therapist else None).order_by("starts_at")


def _backlog(therapist_id):
    """The backlog of one therapist (every therapist's when None)."""
    qs = Appointment.objects.filter(status__in=BACKLOG_STATUSES).filter(
        Q(session_note__isnull=True) | Q(session_note__status=SessionNote.Status.DRAFT)
    )
    return qs if therapist_id is None else qs.filter(therapist_id=therapist_id)


# The nav badge is on every page a therapist or the owner opens, and its
# COUNT is an anti-join of every checked-in or completed appointment with the
# notes: about 0.5 s over the large practice's 400,000 appointments, 1 to 2.5 s
# over the chain's 1.6 million. So the count is kept in the cache with the
# time it was made. Older than a minute, it is still shown and a worker counts
# again (one queued count per badge at a time), so a page waits on the count
# only when none is cached: after a restart, and after a note change, which
# drops its therapist's and the owner's counts so a therapist's own charting
# shows at once.
BACKLOG_BADGE_SECONDS = 60
BACKLOG_BADGE_KEEP_SECONDS = 24 * 3600
BACKLOG_BADGE_TASK = "sessions.tasks.charting_backlog_badge_refresh"


def _backlog_badge_key(therapist_id) -> str:
    return f"charting-backlog:v2:{therapist_id or 'all'}"


def charting_backlog_count(request):
    """Nav badge: the backlog's size (at most about a minute old); nothing shown at zero."""
    user = request.user
    therapist = therapist_of(user)
    if therapist is None and Role.OWNER not in roles_of(user):
        return None
    therapist_id = therapist.pk if therapist else None
    key = _backlog_badge_key(therapist_id)
    cached = cache.get(key)
    if cached is None:
        return charting_backlog_badge_refresh(therapist_id=therapist_id) or None
    count, counted_at = cached
    stale = time.time() - counted_at > BACKLOG_BADGE_SECONDS
    if stale and cache.add(f"{key}:queued", 1, BACKLOG_BADGE_SECONDS):
        _queue_badge_refresh(therapist_id)
    return count or None


def charting_backlog_badge_refresh(*, therapist_id) -> int:
    """Count the backlog of one therapist (every therapist's when None) into the cache."""
    key = _backlog_badge_key(therapist_id)
    count = _backlog(therapist_id).count()
    cache.set(key, (count, time.time()), BACKLOG_BADGE_KEEP_SECONDS)
    cache.delete(f"{key}:queued")
    return count


def _queue_badge_refresh(therapist_id) -> None:
    try:
        current_app.send_task(BACKLOG_BADGE_TASK, args=[therapist_id], retry=False)
    except (KombuError, OSError):
        # No broker: the badge keeps its last count, and once the queued mark
        # expires a later page tries again. A badge never fails a page.
        logger.warning("Could not queue the charting badge count", exc_info=True)


def charting_backlog_forget(*, therapist_id) -> None:
    """Drop the cached badge counts a note change affects (its therapist's and the owner's)."""
    cache.delete_many([_backlog_badge_key(therapist_id), _backlog_badge_key(None)])


def log_note_reads(*, notes, user, remote_addr=None):
    """One auditlog ACCESS entry per note read, written in one query."""
    from auditlog.cid import get_cid

    from practice.security.audit import reads_to_log

    notes = reads_to_log(list(notes))
    if not notes:
        return
    content_type = ContentType.objects.get_for_model(SessionNote)
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                content_type=content_type,
                object_pk=str(note.pk),
                object_repr=str(note.pk),
                action=LogEntry.Action.ACCESS,
                actor=user if user.is_authenticated else None,
                remote_addr=remote_addr,
                timestamp=timezone.now(),
                changes_text="",
                cid=get_cid(),
            )
            for note in notes
        ]
    )


def _value(score):
    return None if score is None else score.value


def client_history(*, client):
    """Notes (with techniques and amendments), pain trend, technique use, plans."""
    notes = list(
        SessionNote.objects.filter(client=client)
        .select_related("therapist", "appointment__service", "signed_by")
        .prefetch_related(
            Prefetch(
                "techniques",
                queryset=TechniqueApplication.objects.select_related("technique"),
            ),
            Prefetch("amendments", queryset=_amendments_with_corrections()),
        )
        .order_by("-appointment__starts_at")
    )
    pain = defaultdict(dict)
    for score in Score.objects.filter(
        client=client,
        instrument=Score.Instrument.PAIN_NRS,
        context__in=PAIN_CONTEXTS,
        source_type=NOTE_SOURCE,
    ):
        pain[score.source_id][score.context] = score

    usage = defaultdict(lambda: {"count": 0, "minutes": 0, "regions": Counter(), "last": None})
    for note in notes:
        scores = pain.get(str(note.pk), {})
        note.pain_before = _value(scores.get(Score.Context.PRE_SESSION))
        note.pain_after = _value(scores.get(Score.Context.POST_SESSION))
        # The same check as the note page, from the rows already loaded: a
        # note changed in the database after signing is flagged here too.
        note.content_changed = (
            note.is_signed
            and signing.content_hash(
                signing.note_content(
                    note=note, techniques=note.techniques.all(), pain_scores=scores.values()
                )
            )
            != note.content_hash
        )
        _apply_corrections(note)
        for application in note.techniques_shown:
            _technique_row(application)
            entry = usage[application.technique.name]
            entry["count"] += 1
            entry["minutes"] += application.minutes
            entry["regions"].update(application.body_regions)
            day = note.appointment.starts_at
            entry["last"] = max(entry["last"] or day, day)

    technique_usage = [
        {
            "name": name,
            "count": entry["count"],
            "minutes": entry["minutes"],
            "last": entry["last"],
            "regions": [region_label(code) for code, _ in entry["regions"].most_common(4)],
        }
        for name, entry in sorted(usage.items(), key=lambda item: (-item[1]["count"], item[0]))
    ]
    pain_chart = {
        "labels": [],
        "before": [],
        "after": [],
    }
    for note in reversed(notes):
        if note.pain_before is None and note.pain_after is None:
            continue
        pain_chart["labels"].append(
            date_format(timezone.localtime(note.appointment.starts_at), "SHORT_DATE_FORMAT")
        )
        pain_chart["before"].append(_num(note.pain_before))
        pain_chart["after"].append(_num(note.pain_after))
    plans = list(
        TreatmentPlan.objects.filter(client=client)
        .select_related("therapist")
        .annotate(signed_count=Count("notes", filter=Q(notes__status=SessionNote.Status.SIGNED)))
    )
    return {
        "notes": notes,
        "technique_usage": technique_usage,
        "pain_chart": pain_chart,
        "plans": plans,
    }


def _amendments_with_corrections():
    return NoteAmendment.objects.select_related("author").prefetch_related(
        Prefetch("techniques", queryset=AmendedTechnique.objects.select_related("technique"))
    )


def _apply_corrections(note):
    """What the history shows and counts: the note as its amendments corrected it."""
    note.techniques_shown = list(note.techniques.all())
    note.techniques_corrected = False
    note.pain_corrected = False
    for amendment in note.amendments.all():  # oldest first: the latest wins
        if amendment.corrects_techniques:
            note.techniques_shown = list(amendment.techniques.all())
            note.techniques_corrected = True
        for field in ("pain_before", "pain_after"):
            if getattr(amendment, field) is not None:
                setattr(note, field, getattr(amendment, field))
                note.pain_corrected = True


def _num(value):
    return None if value is None else float(value)


def plan_progress(*, plan, today: date | None = None):
    """Sessions done against planned, goal trends with targets, and review status."""
    today = today or timezone.localdate()
    goals = list(plan.goals.all())
    sessions_done = SessionNote.objects.filter(plan=plan, status=SessionNote.Status.SIGNED).count()
    instruments = {goal.instrument for goal in goals}
    series = defaultdict(list)
    if instruments:
        # Pain right after a session shows the session's effect, not the trend a
        # goal measures; goal charts use every other context.
        for score in (
            Score.objects.filter(
                client_id=plan.client_id,
                instrument__in=instruments,
                recorded_at__date__gte=plan.start_date,
                superseded_by__isnull=True,
            )
            .exclude(context=Score.Context.POST_SESSION)
            .order_by("recorded_at")
        ):
            series[score.instrument].append(score)
    goal_rows = []
    for goal in goals:
        scores = series.get(goal.instrument, [])
        latest = scores[-1].value if scores else None
        goal_rows.append(
            {
                "goal": goal,
                "latest": latest,
                "met": latest is not None and goal.is_met_by(latest),
                "chart_id": f"goal-data-{goal.pk}",
                "chart": {
                    "label": goal.get_instrument_display(),
                    "target": float(goal.target_value),
                    "labels": [
                        date_format(timezone.localtime(s.recorded_at), "SHORT_DATE_FORMAT")
                        for s in scores
                    ],
                    "values": [float(s.value) for s in scores],
                },
            }
        )
    review_reasons = []
    if plan.is_active:
        if plan.review_date and plan.review_date <= today:
            review_reasons.append(f"review date {plan.review_date:%Y-%m-%d} has come")
        if sessions_done >= plan.planned_sessions:
            review_reasons.append("all planned sessions are used")
    return {
        "sessions_done": sessions_done,
        "sessions_percent": min(100, round(100 * sessions_done / plan.planned_sessions)),
        "goals": goal_rows,
        "review_due": bool(review_reasons),
        "review_reasons": review_reasons,
        "techniques": list(plan.planned_techniques.all()),
        "focus_regions": [region_label(code) for code in plan.focus_regions],
        "notes": list(
            plan.notes.select_related("appointment", "therapist").order_by(
                "-appointment__starts_at"
            )[:50]
        ),
    }
