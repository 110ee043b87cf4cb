"""Appointment writes: booking, moving, cancelling and the status lifecycle.

Every function validates, runs in one transaction with the reminder outbox,
and raises ValidationError (never IntegrityError) for anything a user can fix.
"""

import random
import time
import uuid
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from api.webhooks.services import webhook_event_record
from billing import services as billing_services
from practice import availability, selectors
from practice.constraints import database_refuses_overlaps
from practice.models import (
    Appointment,
    DeskView,
    FreedTime,
    Location,
    Room,
    Therapist,
    TimeOff,
    WorkingHours,
)
from practice.reminders import outbox
from practice.security.audit import AuditBatch
from practice.validation import full_clean_loaded
from practice.waitlist import triggers as waitlist_triggers

Status = Appointment.Status

# Which status may follow which. Cancelled, no-show and completed are final.
TRANSITIONS = {
    # An online request: approved (booked) or declined, expired, withdrawn (cancelled).
    Status.REQUESTED: {Status.BOOKED, Status.CANCELLED},
    Status.BOOKED: {Status.CONFIRMED, Status.CHECKED_IN, Status.CANCELLED, Status.NO_SHOW},
    Status.CONFIRMED: {Status.CHECKED_IN, Status.CANCELLED, Status.NO_SHOW},
    Status.CHECKED_IN: {Status.COMPLETED},
    Status.COMPLETED: set(),
    Status.CANCELLED: set(),
    Status.NO_SHOW: set(),
}

OVERLAP_CONSTRAINTS = {
    "appointment_no_therapist_overlap": "therapist",
    "appointment_no_room_overlap": "room",
}


class AppointmentClash(ValidationError):
    """The requested time overlaps another active appointment."""

    def __init__(self, conflict: Appointment | None, resource: str):
        self.conflict = conflict
        self.resource = resource
        if conflict is None:
            message = f"That time was just taken: the {resource} is already booked."
        else:
            # On the clock of the clashing appointment's own location.
            tz = availability.zone(conflict.location.time_zone)
            who = conflict.therapist if resource == "therapist" else conflict.room
            message = (
                f"{who} is already booked {conflict.starts_at.astimezone(tz):%a %d %b %H:%M}–"
                f"{conflict.occupied_until.astimezone(tz):%H:%M} "
                f"({conflict.service}, including cleanup time)."
            )
        super().__init__(message, code="clash")


def _conflict(*, therapist, room, starts_at, occupied_until, exclude_pk=None):
    """The first active appointment clashing on therapist or room, and which."""
    candidates = Appointment.objects.active().overlapping(starts_at, occupied_until)
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    clash = _earliest(
        candidates.filter(therapist=therapist).select_related("therapist", "service", "location")
    )
    if clash is not None:
        return clash, "therapist"
    if room is not None:
        clash = _earliest(
            candidates.filter(room=room).select_related("room", "service", "location")
        )
        if clash is not None:
            return clash, "room"
    return None, None


def _earliest(clashes):
    """The earliest of a few clashing appointments, sorted here: with ORDER BY
    starts_at LIMIT 1 PostgreSQL walks a therapist's whole history in start
    order (28 ms at 400,000 appointments) instead of asking the overlap index."""
    return min(clashes.order_by(), key=lambda a: a.starts_at, default=None)


def _conflict_for(appointment: Appointment, exclude_pk=None):
    return _conflict(
        therapist=appointment.therapist,
        room=appointment.room,
        starts_at=appointment.starts_at,
        occupied_until=appointment.occupied_until,
        exclude_pk=exclude_pk,
    )


def _free_room(*, location, starts_at, occupied_until, exclude_pk=None) -> Room | None:
    busy = Appointment.objects.active().overlapping(starts_at, occupied_until)
    if exclude_pk is not None:
        busy = busy.exclude(pk=exclude_pk)
    return (
        Room.objects.filter(location=location, active=True)
        .exclude(pk__in=busy.filter(room__isnull=False).values("room_id"))
        .order_by("name")
        .first()
    )


def _offers(therapist, service, schedule) -> bool:
    """Whether `therapist` offers `service`. The schedule holds only the working
    hours of therapists who offer it, so any shift of theirs answers without a query."""
    if schedule is not None and any(s.therapist_id == therapist.pk for s in schedule.shifts):
        return True
    return therapist.services.filter(pk=service.pk).exists()


def _in_utc(starts_at: datetime) -> datetime:
    """An aware start in UTC (a naive one is left for the rules to refuse).

    Adding a duration to a local datetime is wall-clock arithmetic: an hour
    from 01:30 on the fall-back night would end at 02:30, two hours later.
    """
    return starts_at if timezone.is_naive(starts_at) else starts_at.astimezone(UTC)


def _check_booking_rules(*, therapist, service, room, location, starts_at, now):
    errors = {}
    if timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": "The start time needs a time zone."})
    if starts_at < now:
        errors["starts_at"] = "That time is in the past."
    if not therapist.active:
        errors["therapist"] = f"{therapist} is not taking bookings."
    if not service.active:
        errors["service"] = f"“{service}” is no longer offered."
    if room is not None:
        if not room.active:
            errors["room"] = f"{room} is not in use."
        elif room.location_id != location.pk:
            errors["room"] = f"{room} is not at {location}."
    schedule = None
    if not errors:
        schedule = selectors.schedule_for_booking(
            service=service, therapist=therapist, location=location, starts_at=starts_at
        )
    if service.active and not _offers(therapist, service, schedule):
        errors["service"] = f"{therapist} does not offer “{service}”."
    if not errors:
        errors = availability.rule_problems(
            schedule,
            therapist_id=therapist.pk,
            location_id=location.pk,
            starts_at=starts_at,
            duration=service.duration,
            now=now,
            horizon=timedelta(days=settings.RELIEF_BOOKING_HORIZON_DAYS),
        )
    if errors:
        raise ValidationError(errors)


def _overlap_clash(exc: IntegrityError, appointment, exclude_pk=None) -> AppointmentClash | None:
    """The clash behind an exclusion-constraint violation, naming the appointment
    in the way; None when `exc` is some other integrity error. Call it after the
    failed transaction (or savepoint) has rolled back."""
    name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    resource = OVERLAP_CONSTRAINTS.get(name)
    if resource is None:
        return None
    conflict, found = _conflict_for(appointment, exclude_pk)
    return AppointmentClash(conflict, found or resource)


def _save_or_clash(appointment: Appointment, *, exclude_pk=None):
    """Insert/update; a lost race on the exclusion constraint becomes a clash."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        clash = _overlap_clash(exc, appointment, exclude_pk)
        if clash is None:
            raise
        raise clash from exc


# PostgreSQL's SQLSTATEs for a deadlock and a serialization failure: the
# database rolled the transaction back, and running it again is safe. Seen
# with 50 desks booking different therapists into the last free room: the
# therapist and room exclusion constraints wait on each other's new rows.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
WRITE_ATTEMPTS = 8


def run_retrying_conflicts(write):
    """Run `write()`, one whole transaction, again after a deadlock or a
    serialization failure (a few times, after a short random wait); then answer
    with the clash message. Inside an outer transaction it cannot be retried
    here, so the error goes up to whoever owns that transaction."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            return write()
        except OperationalError as exc:
            pgcode = getattr(exc.__cause__, "pgcode", None)
            if pgcode not in RETRYABLE_SQLSTATES or transaction.get_connection().in_atomic_block:
                raise
            if attempt == WRITE_ATTEMPTS - 1:
                raise ValidationError(
                    "Someone else booked at that time just now. Pick the time again.",
                    code="clash",
                ) from exc
            time.sleep(random.uniform(0.02, 0.1) * (attempt + 1))
    raise AssertionError("unreachable")


def _place(appointment: Appointment, *, exclude_pk=None):
    """Pick a room where the service needs one, and look for clashes."""
    room_given = appointment.room
    if appointment.service.needs_room and appointment.room is None:
        appointment.room = _free_room(
            location=appointment.location,
            starts_at=appointment.starts_at,
            occupied_until=appointment.occupied_until,
            exclude_pk=exclude_pk,
        )
        if appointment.room is None:
            raise ValidationError({"room": "No room is free at that time."}, code="clash")
    if database_refuses_overlaps():
        # PostgreSQL's exclusion constraints refuse the write itself; the
        # caller turns the violation into a clash naming the appointment in
        # the way (_overlap_clash), so a check here would only repeat them.
        return
    # On SQLite the IMMEDIATE transaction serializes writers, so this check is
    # the guard. A room just picked as free cannot clash.
    conflict, resource = _conflict(
        therapist=appointment.therapist,
        room=room_given,
        starts_at=appointment.starts_at,
        occupied_until=appointment.occupied_until,
        exclude_pk=exclude_pk,
    )
    if conflict is not None:
        raise AppointmentClash(conflict, resource)


def appointment_book(
    *,
    client,
    therapist,
    service,
    starts_at,
    booked_by,
    room=None,
    location=None,
    source=Appointment.Source.FRONT_DESK,
    series_id=None,
    confirmation=True,
    status=Status.BOOKED,
    now=None,
    log: AuditBatch | None = None,
) -> Appointment:
    """Book `service` with `therapist` for `client` at `starts_at` (aware datetime).

    `confirmation=False`: no confirmation message of its own (a later date of a
    series, which the first date's confirmation lists). `status=REQUESTED`: an
    online request that holds the time; its reminders wait for the approval.
    With `log`, the caller's transaction writes the appointment's audit entry
    together with its own (one INSERT for all)."""
    if status not in (Status.BOOKED, Status.REQUESTED):
        raise ValueError(f"A booking starts as booked or requested, not {status}.")
    now = now or timezone.now()
    starts_at = _in_utc(starts_at)
    location = location or (room.location if room else Location.objects.order_by("pk").first())
    if location is None:
        raise ValidationError("Set up a location before booking.")
    _check_booking_rules(
        therapist=therapist,
        service=service,
        room=room,
        location=location,
        starts_at=starts_at,
        now=now,
    )
    ends_at = starts_at + service.duration
    appointment = Appointment(
        client=client,
        therapist=therapist,
        service=service,
        location=location,
        room=room,
        starts_at=starts_at,
        ends_at=ends_at,
        occupied_until=ends_at + service.buffer_after,
        source=source,
        status=status,
        booked_by=booked_by,
        updated_by=booked_by,
        series_id=series_id,
    )

    def write():
        appointment.room = room  # a retry picks the free room again
        try:
            with transaction.atomic():
                _place(appointment)
                # The related rows were loaded by the caller (full_clean_loaded);
                # the only unique field is the new random id; the constraints are
                # the database's (overlaps) or hold by construction (the ends).
                full_clean_loaded(
                    appointment, exclude=["room"], validate_unique=False, validate_constraints=False
                )
                if log is None:
                    appointment.save(force_insert=True)
                else:
                    log.save(appointment)
                if status == Status.BOOKED:
                    outbox.reminders_schedule(
                        appointment=appointment, now=now, confirmation=confirmation
                    )
                    # A request is announced when staff approve it.
                    webhook_event_record(event="appointment.booked", instance=appointment, now=now)
        except IntegrityError as exc:
            clash = _overlap_clash(exc, appointment)
            if clash is None:
                raise
            raise clash from exc
        return appointment

    return run_retrying_conflicts(write)


def appointment_reschedule(
    *, appointment: Appointment, starts_at, by, therapist=None, room=None, now=None
) -> Appointment:
    """Move an active, not yet started appointment; its reminders move with it."""
    now = now or timezone.now()
    starts_at = _in_utc(starts_at)
    if appointment.status not in (Status.BOOKED, Status.CONFIRMED):
        raise ValidationError(
            f"A {appointment.get_status_display().lower()} appointment cannot be moved."
        )
    therapist = therapist or appointment.therapist
    _check_booking_rules(
        therapist=therapist,
        service=appointment.service,
        room=room,
        location=appointment.location,
        starts_at=starts_at,
        now=now,
    )

    def write():
        with transaction.atomic():
            locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
            if locked.status not in (Status.BOOKED, Status.CONFIRMED):
                raise ValidationError("This appointment was changed by someone else; reload it.")
            # The time it leaves, before it is overwritten (the move may keep part of it).
            freed_from = (locked.therapist_id, locked.starts_at, locked.occupied_until)
            locked.therapist = therapist
            locked.room = room
            locked.starts_at = starts_at
            locked.ends_at = starts_at + locked.service.duration
            locked.occupied_until = locked.ends_at + locked.service.buffer_after
            # A moved appointment needs confirming again.
            locked.status = Status.BOOKED
            locked.updated_by = by
            _place(locked, exclude_pk=locked.pk)
            _save_or_clash(locked, exclude_pk=locked.pk)
            outbox.reminders_reschedule(appointment=locked, now=now)
            webhook_event_record(event="appointment.rescheduled", instance=locked, now=now)
            if freed_from != (locked.therapist_id, locked.starts_at, locked.occupied_until):
                waitlist_triggers.freed_time_record(
                    therapist_id=freed_from[0],
                    location_id=locked.location_id,
                    starts_at=freed_from[1],
                    ends_at=freed_from[2],
                    reason=FreedTime.Reason.MOVE,
                    now=now,
                )
        return locked

    return run_retrying_conflicts(write)


def _transition(appointment: Appointment, new_status, by, **fields) -> Appointment:
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if new_status not in TRANSITIONS[locked.status]:
            raise ValidationError(
                f"A {locked.get_status_display().lower()} appointment cannot be marked "
                f"{Status(new_status).label.lower()}."
            )
        locked.status = new_status
        locked.updated_by = by
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
    return locked


def _record_freed(appointment: Appointment, reason, now) -> None:
    waitlist_triggers.freed_time_record(
        therapist_id=appointment.therapist_id,
        location_id=appointment.location_id,
        starts_at=appointment.starts_at,
        ends_at=appointment.occupied_until,
        reason=reason,
        now=now,
    )


def is_late_cancel(appointment: Appointment, now=None) -> bool:
    now = now or timezone.now()
    window = timedelta(hours=settings.RELIEF_LATE_CANCEL_HOURS)
    return appointment.starts_at - now < window


def appointment_cancel(
    *, appointment: Appointment, by, reason: str = "", notify: bool = True, now=None
) -> Appointment:
    """Cancel (never delete): keep the history, free the time, stop reminders."""
    now = now or timezone.now()
    with transaction.atomic():
        cancelled = _transition(
            appointment,
            Status.CANCELLED,
            by,
            cancel_reason=reason.strip(),
            cancelled_at=now,
            cancelled_by=by,
            # A request never confirmed is no late cancel, whoever ends it.
            late_cancel=appointment.status != Status.REQUESTED and is_late_cancel(appointment, now),
        )
        outbox.reminders_cancel(appointment=cancelled, notify=notify, now=now)
        webhook_event_record(event="appointment.cancelled", instance=cancelled, now=now)
        _record_freed(cancelled, FreedTime.Reason.CANCELLATION, now)
        if cancelled.late_cancel:
            billing_services.fee_draft(appointment=cancelled, kind="late_cancel", by=by)
    return cancelled


def appointment_cancel_following(
    *, appointment: Appointment, by, reason: str = "", now=None
) -> list[Appointment]:
    """Cancel `appointment` and the later, still upcoming dates of its series.

    Only the first gets a cancellation notice: one message for one decision,
    as the series had one confirmation.
    """
    now = now or timezone.now()
    with transaction.atomic():
        later = []
        if appointment.series_id is not None:
            later = list(
                Appointment.objects.filter(
                    series_id=appointment.series_id,
                    starts_at__gt=appointment.starts_at,
                    status__in=[Status.BOOKED, Status.CONFIRMED],
                )
                .exclude(pk=appointment.pk)
                .select_related("client")
                .order_by("starts_at")
            )
        cancelled = [appointment_cancel(appointment=appointment, by=by, reason=reason, now=now)]
        for other in later:
            cancelled.append(
                appointment_cancel(appointment=other, by=by, reason=reason, notify=False, now=now)
            )
    return cancelled


def appointment_request_approve(*, appointment: Appointment, by, now=None) -> Appointment:
    """Turn an online request into a booking; its confirmation and reminders start now."""
    now = now or timezone.now()
    with transaction.atomic():
        if appointment.status != Status.REQUESTED:
            raise ValidationError("Only a requested appointment can be approved.")
        if appointment.starts_at <= now:
            raise ValidationError("This request's time has passed; it can no longer be approved.")
        approved = _transition(appointment, Status.BOOKED, by)
        outbox.reminders_schedule(appointment=approved, now=now, confirmation=True)
        webhook_event_record(event="appointment.booked", instance=approved, now=now)
    return approved


def appointment_confirm(*, appointment: Appointment, by=None) -> Appointment:
    return _transition(appointment, Status.CONFIRMED, by)


def appointment_check_in(*, appointment: Appointment, by, now=None) -> Appointment:
    return _transition(appointment, Status.CHECKED_IN, by, checked_in_at=now or timezone.now())


def appointment_complete(*, appointment: Appointment, by) -> Appointment:
    return _transition(appointment, Status.COMPLETED, by)


def appointment_mark_no_show(*, appointment: Appointment, by, now=None) -> Appointment:
    now = now or timezone.now()
    if appointment.starts_at > now:
        raise ValidationError("A client can only be a no-show once the appointment has started.")
    with transaction.atomic():
        marked = _transition(appointment, Status.NO_SHOW, by)
        outbox.reminders_cancel(appointment=marked, notify=False, now=now)
        billing_services.fee_draft(appointment=marked, kind="no_show", by=by)
    return marked


def appointment_series_plan(*, therapist, service, first_starts_at, every_weeks, count, location):
    """The dates of a recurring booking and, per date, why it cannot be booked.

    Occurrences keep the local wall-clock time, so a 10:00 series stays at
    10:00 across a daylight-saving change. Returns [(starts_at, problem or None)].
    """
    tz = availability.zone(location.time_zone)
    local = first_starts_at.astimezone(tz)
    starts = [
        _in_utc(
            datetime.combine(
                local.date() + timedelta(weeks=every_weeks * n), local.time(), tzinfo=tz
            )
        )
        for n in range(count)
    ]
    schedule = selectors.schedule_for_booking(
        service=service,
        therapist=therapist,
        location=location,
        starts_at=starts[0],
        last_starts_at=starts[-1],
        bookings=True,
    )
    now = timezone.now()
    horizon = timedelta(days=settings.RELIEF_BOOKING_HORIZON_DAYS)
    plan = []
    for starts_at in starts:
        problems = availability.rule_problems(
            schedule,
            therapist_id=therapist.pk,
            location_id=location.pk,
            starts_at=starts_at,
            duration=service.duration,
            now=now,
            horizon=horizon,
        )
        problem = next(iter(problems.values()), None) or availability.clash_problem(
            schedule,
            therapist_id=therapist.pk,
            location_id=location.pk,
            starts_at=starts_at,
            duration=service.duration,
            buffer=service.buffer_after,
            needs_room=service.needs_room,
        )
        if starts_at < now:
            problem = "That time is in the past."
        plan.append((starts_at, problem))
    return plan


def client_create_inline(*, first_name, last_name, phone="", email="", created_by=None):
    """A minimal client record typed at the front desk while booking."""
    from clients.models import Client

    client = Client(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone,
        email=email.strip(),
        created_by=created_by,
    )
    client.full_clean()
    client.save()
    return client


def appointment_book_series(*, starts, booked_by, **booking) -> tuple[list, list]:
    """Book each of `starts` under one series id; a date that fails is skipped.

    Returns (booked appointments, [(starts_at, message)] for the skipped).
    """
    series_id = uuid.uuid4() if len(starts) > 1 else None
    booked, skipped = [], []
    for starts_at in starts:
        try:
            booked.append(
                appointment_book(
                    starts_at=starts_at,
                    booked_by=booked_by,
                    series_id=series_id,
                    confirmation=not booked,
                    **booking,
                )
            )
        except ValidationError as exc:
            skipped.append((starts_at, " ".join(exc.messages)))
    return booked, skipped


# Setup of the practice (owner only): plain validated saves.


def _save(instance):
    # One transaction with the audit entry auditlog writes on save.
    with transaction.atomic():
        instance.full_clean()
        instance.save()
    return instance


def location_save(*, location: Location) -> Location:
    """Save a location; the cached practice time zone follows at once."""
    from practice.timezones import forget_location_zones

    _save(location)
    forget_location_zones()
    return location


def room_save(*, room):
    return _save(room)


def service_save(*, service):
    return _save(service)


def working_hours_save(*, hours: WorkingHours) -> WorkingHours:
    """Save a working-hours row; overlapping rows for a therapist's day are refused."""
    hours.full_clean()
    overlapping = (
        WorkingHours.objects.filter(
            therapist=hours.therapist,
            weekday=hours.weekday,
            start_time__lt=hours.end_time,
            end_time__gt=hours.start_time,
        )
        .exclude(pk=hours.pk)
        .first()
    )
    if overlapping is not None:
        raise ValidationError(
            {
                "start_time": f"Overlaps {overlapping.start_time:%H:%M}–"
                f"{overlapping.end_time:%H:%M} on {overlapping.get_weekday_display()}; "
                "split shifts must not overlap."
            }
        )
    hours.save()
    return hours


@transaction.atomic
def working_hours_delete(*, hours: WorkingHours) -> None:
    hours.delete()


class TimeOffCoversBookings(ValidationError):
    """The time off lies over bookings; the owner decides before anything is saved."""

    def __init__(self, covered):
        self.covered = covered
        n = len(covered)
        super().__init__(
            f"This time off covers {n} booking{'s' if n != 1 else ''}.", code="covers_bookings"
        )


def time_off_save(*, time_off: TimeOff, confirmed=()) -> TimeOff:
    """Save a time off. Over existing bookings it is saved only when `confirmed`
    names every one of them: saved silently, the bookings stayed and nobody knew
    the therapist was away; and a booking made after the owner was shown the
    list must be shown too, not kept on a confirmation that never named it."""
    time_off.full_clean()
    covered = selectors.bookings_covered(
        therapist_id=time_off.therapist_id,
        starts_at=time_off.starts_at,
        ends_at=time_off.ends_at,
    )
    if {booking.id for booking in covered} - {str(pk) for pk in confirmed}:
        raise TimeOffCoversBookings(covered)
    with transaction.atomic():
        before = TimeOff.objects.filter(pk=time_off.pk).first() if time_off.pk else None
        saved = _save(time_off)
        if before is not None:
            # An edit may give back some of the old time; matching checks what is free.
            _record_time_off_freed(before)
    return saved


def _record_time_off_freed(time_off: TimeOff) -> None:
    waitlist_triggers.freed_time_record(
        therapist_id=time_off.therapist_id,
        location_id=None,
        starts_at=time_off.starts_at,
        ends_at=time_off.ends_at,
        reason=FreedTime.Reason.TIME_OFF_REMOVED,
    )


@transaction.atomic
def time_off_delete(*, time_off: TimeOff) -> None:
    _record_time_off_freed(time_off)
    time_off.delete()


@transaction.atomic
def therapist_update(*, therapist: Therapist, services=None) -> Therapist:
    _save(therapist)
    if services is not None:
        therapist.services.set(services)
    return therapist


def _book_any_therapist(*, therapist, starts_at, **booking) -> Appointment:
    """Book `therapist`; if someone took them meanwhile, another free therapist."""
    try:
        return appointment_book(therapist=therapist, starts_at=starts_at, **booking)
    except AppointmentClash as clash:
        if clash.resource != "therapist":
            raise
        others = selectors.therapists_free_at(
            service=booking["service"], location=booking["location"], starts_at=starts_at
        )
        for other in Therapist.objects.filter(pk__in=others).exclude(pk=therapist.pk):
            try:
                return appointment_book(therapist=other, starts_at=starts_at, **booking)
            except AppointmentClash:
                continue
        raise


def appointment_book_from_desk(
    *,
    client=None,
    new_client=None,
    therapist,
    service,
    location,
    starts,
    booked_by,
    any_therapist=False,
) -> tuple[list, list]:
    """Front-desk booking: an existing or newly typed client, one date or a series.

    A single date that fails raises (and no new client is kept); a series books
    the dates that are free and returns the skipped ones with their reason. With
    `any_therapist`, a single booking whose therapist was just taken goes to
    another therapist free at the same time.
    """
    # One transaction for a new client with their booking, or for a series; a
    # single booking for a client on file is the booking's own transaction.
    together = client is None or len(starts) > 1
    with transaction.atomic() if together else nullcontext():
        if client is None:
            client = client_create_inline(**new_client, created_by=booked_by)
        booking = {"client": client, "service": service, "location": location}
        if len(starts) == 1:
            book = _book_any_therapist if any_therapist else appointment_book
            return [
                book(therapist=therapist, starts_at=starts[0], booked_by=booked_by, **booking)
            ], []
        booked, skipped = appointment_book_series(
            starts=starts, booked_by=booked_by, therapist=therapist, **booking
        )
        if not booked:
            raise ValidationError("None of the dates could be booked; nothing was saved.")
        return booked, skipped


def desk_view_remember(*, user, location, group: str = "") -> DeskView:
    """Remember the location and therapist group `user` chose, so Today and the
    day calendar open there next time (on any device they sign in on)."""
    view, _ = DeskView.objects.update_or_create(
        user=user, defaults={"location": location, "group": group[:16]}
    )
    return view
