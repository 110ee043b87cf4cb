"""Appointment writes: booking, moving, cancelling and the status lifecycle.

Every function validates, runs in one transaction with the reminder outbox,
and raises ValidationError (never IntegrityError) for anything a user can fix.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import reminders
from .models import Appointment, Location, Room

Status = Appointment.Status

# Which status may follow which. Cancelled, no-show and completed are final.
TRANSITIONS = {
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
            local = timezone.localtime(conflict.starts_at)
            who = conflict.therapist if resource == "therapist" else conflict.room
            message = (
                f"{who} is already booked {local:%a %d %b %H:%M}–"
                f"{timezone.localtime(conflict.occupied_until):%H:%M} "
                f"({conflict.service}, including cleanup time)."
            )
        super().__init__(message, code="clash")


def _conflict(*, therapist, room, starts_at, occupied_until, exclude_pk=None):
    """The first active appointment clashing on therapist or room, and which."""
    candidates = Appointment.objects.active().overlapping(starts_at, occupied_until)
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    clash = candidates.filter(therapist=therapist).select_related("therapist", "service").first()
    if clash is not None:
        return clash, "therapist"
    if room is not None:
        clash = candidates.filter(room=room).select_related("room", "service").first()
        if clash is not None:
            return clash, "room"
    return None, None


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
    elif not therapist.services.filter(pk=service.pk).exists():
        errors["service"] = f"{therapist} does not offer “{service}”."
    if room is not None:
        if not room.active:
            errors["room"] = f"{room} is not in use."
        elif room.location_id != location.pk:
            errors["room"] = f"{room} is not at {location}."
    if errors:
        raise ValidationError(errors)


def _save_or_clash(appointment: Appointment, *, exclude_pk=None):
    """Insert/update; a lost race on the exclusion constraint becomes a clash."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        resource = OVERLAP_CONSTRAINTS.get(name)
        if resource is None:
            raise
        conflict, found = _conflict_for(appointment, exclude_pk)
        raise AppointmentClash(conflict, found or resource) from exc


def _place(appointment: Appointment, *, exclude_pk=None):
    """Check for clashes and pick a room where the service needs one."""
    if appointment.service.needs_room and appointment.room is None:
        appointment.room = _free_room(
            location=appointment.location,
            starts_at=appointment.starts_at,
            occupied_until=appointment.occupied_until,
            exclude_pk=exclude_pk,
        )
        if appointment.room is None:
            raise ValidationError({"room": "No room is free at that time."}, code="clash")
    # On SQLite the IMMEDIATE transaction already serializes writers, so this
    # check is the guard; on PostgreSQL it names the conflict, and the
    # exclusion constraint catches the race between check and insert.
    conflict, resource = _conflict_for(appointment, exclude_pk)
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
    now=None,
) -> Appointment:
    """Book `service` with `therapist` for `client` at `starts_at` (aware datetime)."""
    now = now or timezone.now()
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
        booked_by=booked_by,
        updated_by=booked_by,
        series_id=series_id,
    )
    with transaction.atomic():
        _place(appointment)
        appointment.full_clean(exclude=["room"], validate_constraints=False)
        _save_or_clash(appointment)
        reminders.reminders_schedule(appointment=appointment, now=now)
    return appointment


def appointment_reschedule(
    *, appointment: Appointment, starts_at, by, therapist=None, room=None, now=None
) -> Appointment:
    """Move an active, not yet started appointment; its reminders move with it."""
    now = now or timezone.now()
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
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status not in (Status.BOOKED, Status.CONFIRMED):
            raise ValidationError("This appointment was changed by someone else; reload it.")
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
        reminders.reminders_reschedule(appointment=locked, now=now)
    return locked


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
            late_cancel=is_late_cancel(appointment, now),
        )
        reminders.reminders_cancel(appointment=cancelled, notify=notify, now=now)
    return cancelled


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
        reminders.reminders_cancel(appointment=marked, notify=False, now=now)
    return marked
