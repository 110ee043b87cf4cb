"""Online booking writes: a booking from /online/, a client's own reschedule,
and staff's answer to a request.

Everything goes through `practice.services` (source "online"), so the same
rules, clash messages and database constraints hold as at the front desk; the
online rules of the location come on top (`rules.py`). Emails are queued by
name after commit (`portal.tasks`).
"""

from celery import current_app
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clients.models import Client
from portal.models import OnlineBooking
from practice import services as practice_services
from practice.models import Appointment, Location, Therapist
from practice.security.audit import AuditBatch, audit_batch

from . import rules, screening
from .selectors import expired_requests, online_free_at, rules_for, upcoming_count

Status = Appointment.Status
Decision = OnlineBooking.Decision

SEND_ONLINE_MESSAGE_TASK = "portal.tasks.send_online_message"
DECLINE_REASON = "Request declined by the practice"
EXPIRED_REASON = "Request expired before anyone answered it"
NEW_CLIENT_FIELDS = ("first_name", "last_name", "email", "phone", "date_of_birth")


class CallToChange(ValidationError):
    """Inside the cancellation window: the client is to call the practice."""


def _queue_message(appointment_id, kind: str, base_url: str) -> None:
    transaction.on_commit(
        lambda: current_app.send_task(
            SEND_ONLINE_MESSAGE_TASK, args=[str(appointment_id), kind, base_url]
        )
    )


def _check_offer(*, location: Location, service, therapist) -> None:
    if not location.online_booking:
        raise ValidationError("This location does not take bookings online. Please call us.")
    if not (service.active and service.bookable_online):
        raise ValidationError(f"“{service}” cannot be booked online. Please call us.")
    if not (therapist.active and therapist.bookable_online):
        raise ValidationError(f"{therapist} cannot be booked online. Please call us.")


def _new_client(data: dict, log: AuditBatch) -> Client:
    client = Client(
        **{name: data.get(name) or "" for name in NEW_CLIENT_FIELDS if name != "date_of_birth"},
        date_of_birth=data.get("date_of_birth"),
        consent_email_reminders=bool(data.get("consent_email")),
        consent_sms_reminders=bool(data.get("consent_sms")),
    )
    client.first_name, client.last_name = client.first_name.strip(), client.last_name.strip()
    client.email = client.email.strip().lower()
    # The only unique field is the new random id: no query to check it.
    client.full_clean(validate_unique=False)
    return log.save(client)


def online_book(
    *,
    location: Location,
    service,
    therapist,
    starts_at,
    base_url: str,
    client: Client | None = None,
    new_client: dict | None = None,
    answers: dict | None = None,
    any_therapist: bool = False,
    now=None,
) -> Appointment:
    """Book online for a signed-in `client`, or for a `new_client` (their details).

    A new client is booked at once or as a request (status REQUESTED, holding
    the time until staff answer or it expires), as the location says; any
    "yes" to the screening questions makes it a request. A returning client
    may hold at most the location's number of upcoming bookings. With
    `any_therapist`, a time just taken from the offered therapist goes to
    another therapist free then.
    """
    now = now or timezone.now()
    policy = rules_for(location)
    _check_offer(location=location, service=service, therapist=therapist)
    problem = rules.refusal(policy, starts_at, now)
    if problem:
        raise ValidationError({"starts_at": problem})
    answers = {key: bool((answers or {}).get(key)) for key in screening.KEYS}
    if client is None:
        if new_client is None:
            raise ValueError("Either a client or a new client's details.")
        if policy.new_clients == Location.NewClients.CLOSED:
            raise ValidationError(
                "New clients book by phone here. Please call us, we look forward to meeting you."
            )
        is_request = policy.new_clients == Location.NewClients.REQUEST or screening.needs_review(
            answers
        )
    else:
        is_request = False

    def write():
        # The new client's and the appointment's audit entries go in one INSERT.
        with transaction.atomic(), audit_batch() as log:
            booked_for = client
            if booked_for is None:
                booked_for = _new_client(new_client, log)
            else:
                # The row lock serializes one client's bookings, so two tabs
                # cannot both pass the upcoming-bookings limit.
                booked_for = Client.objects.select_for_update().get(pk=client.pk)
                if rules.over_limit(policy, upcoming_count(booked_for, now=now)):
                    raise ValidationError(
                        f"You already have {policy.max_upcoming} upcoming bookings, the most "
                        "we take online. Please call us to book more."
                    )
            booking = {
                "client": booked_for,
                "service": service,
                "starts_at": starts_at,
                "booked_by": None,
                "location": location,
                "source": Appointment.Source.ONLINE,
                # The online message below is the confirmation (or the request's receipt).
                "confirmation": False,
                "status": Status.REQUESTED if is_request else Status.BOOKED,
                "now": now,
                "log": log,
            }
            try:
                appointment = practice_services.appointment_book(therapist=therapist, **booking)
            except practice_services.AppointmentClash as clash:
                if not any_therapist or clash.resource != "therapist":
                    raise _taken() from clash
                appointment = _book_another(booking, therapist, clash)
            OnlineBooking.objects.create(
                appointment=appointment,
                new_client=client is None,
                screening=answers if client is None else {},
                created_at=now,
                decision=Decision.PENDING if is_request else Decision.NONE,
                expires_at=rules.request_expiry(policy, starts_at, now) if is_request else None,
            )
            _queue_message(appointment.pk, "requested" if is_request else "booked", base_url)
        return appointment

    return practice_services.run_retrying_conflicts(write)


def _taken() -> ValidationError:
    # Online, never name who holds the time: only that it is gone.
    return ValidationError(
        {"starts_at": "Sorry, someone has just booked that time. Pick another time."},
        code="clash",
    )


def _book_another(booking: dict, therapist, clash) -> Appointment:
    free = online_free_at(
        location=booking["location"],
        service=booking["service"],
        starts_at=booking["starts_at"],
        now=booking["now"],
    )
    others = {t.pk: t for t in Therapist.objects.filter(pk__in=free).exclude(pk=therapist.pk)}
    for other_id in free:
        other = others.get(other_id)
        if other is None:
            continue
        try:
            return practice_services.appointment_book(therapist=other, **booking)
        except practice_services.AppointmentClash:
            continue
    raise _taken() from clash


def change_option(appointment: Appointment, now=None) -> str:
    """What the portal offers to move an appointment: "online", "call" (inside
    the cancellation window, or its location does not book online) or "closed"."""
    now = now or timezone.now()
    if appointment.status not in (Status.BOOKED, Status.CONFIRMED) or appointment.starts_at <= now:
        return "closed"
    if practice_services.is_late_cancel(appointment, now):
        return "call"
    if not (appointment.location.online_booking and appointment.service.bookable_online):
        return "call"
    return "online"


def online_reschedule_by_client(
    *, client: Client, appointment: Appointment, therapist, starts_at, now=None
) -> Appointment:
    """Move the client's own appointment to another free time, inside the online rules."""
    now = now or timezone.now()
    if appointment.client_id != client.pk:
        raise ValidationError("This appointment is not yours to change.")
    option = change_option(appointment, now)
    if option == "call":
        raise CallToChange("This appointment is too soon to change online.")
    if option == "closed":
        raise ValidationError("This appointment can no longer be changed online.")
    _check_offer(location=appointment.location, service=appointment.service, therapist=therapist)
    problem = rules.refusal(rules_for(appointment.location), starts_at, now)
    if problem:
        raise ValidationError({"starts_at": problem})
    try:
        return practice_services.appointment_reschedule(
            appointment=appointment, starts_at=starts_at, by=None, therapist=therapist, now=now
        )
    except practice_services.AppointmentClash as clash:
        raise _taken() from clash


def _decide(booking: OnlineBooking, decision: str, by, now, reason: str = "") -> None:
    booking.decision = decision
    booking.decided_at = now
    booking.decided_by = by
    booking.decline_reason = reason
    booking.save(update_fields=["decision", "decided_at", "decided_by", "decline_reason"])


def _locked_pending(appointment: Appointment) -> OnlineBooking:
    booking = (
        OnlineBooking.objects.select_for_update().filter(appointment_id=appointment.pk).first()
    )
    if booking is None or booking.decision != Decision.PENDING:
        raise ValidationError("This request has already been answered.")
    return booking


def request_approve(*, appointment: Appointment, by, now=None) -> Appointment:
    """Staff approve an online request: it becomes a booking with the usual
    confirmation and reminders."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _locked_pending(appointment)
        approved = practice_services.appointment_request_approve(
            appointment=appointment, by=by, now=now
        )
        _decide(booking, Decision.APPROVED, by, now)
    return approved


def request_decline(*, appointment: Appointment, by, reason: str = "", base_url: str, now=None):
    """Staff decline an online request: the time is free again and the client is told."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _locked_pending(appointment)
        declined = practice_services.appointment_cancel(
            appointment=appointment, by=by, reason=DECLINE_REASON, notify=False, now=now
        )
        _decide(booking, Decision.DECLINED, by, now, reason.strip()[:200])
        _queue_message(appointment.pk, "declined", base_url)
    return declined


def requests_expire(*, base_url: str, now=None) -> int:
    """Let go of requests nobody answered in time; each client is told. Returns how many."""
    now = now or timezone.now()
    expired = 0
    for booking in expired_requests(now=now).select_related("appointment")[:500]:
        with transaction.atomic():
            try:
                locked = _locked_pending(booking.appointment)
            except ValidationError:
                continue  # answered meanwhile
            practice_services.appointment_cancel(
                appointment=booking.appointment,
                by=None,
                reason=EXPIRED_REASON,
                notify=False,
                now=now,
            )
            _decide(locked, Decision.EXPIRED, None, now)
            _queue_message(booking.appointment_id, "expired", base_url)
            expired += 1
    return expired


def request_withdrawn(*, appointment: Appointment, now=None) -> None:
    """A client cancelled their own request: record it beside the cancellation."""
    now = now or timezone.now()
    OnlineBooking.objects.filter(appointment=appointment, decision=Decision.PENDING).update(
        decision=Decision.WITHDRAWN, decided_at=now
    )
