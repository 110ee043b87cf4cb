"""Writes for clients, intake links, intakes, scores and check-ins.

Keyword-only functions named <entity>_<action>; each validates and runs in one
transaction. Views, tasks and tests call them the same way.
"""

from copy import copy
from dataclasses import dataclass
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from api.webhooks.services import webhook_event_record
from practice.security.audit import AuditBatch, audit_batch
from practice.validation import full_clean_loaded

from . import red_flags, scoring, selectors
from .consent import CONSENT_TEXTS, CONSENT_VERSION
from .models import CheckIn, CheckInLink, Client, Intake, IntakeLink, RedFlagClearance, Score
from .tokens import hash_token, new_token

# The editable client record, in the order forms show it.
# Queued by name: clients/tasks.py imports this module, not the other way round.
SEND_INTAKE_LINK_TASK = "clients.tasks.send_intake_link"

CLIENT_FIELDS = (
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "email",
    "phone",
    "emergency_contact_name",
    "emergency_contact_phone",
    "consent_email_reminders",
    "consent_sms_reminders",
    "primary_therapist",
)
# Contact answers on the intake form that update the client record when given.
INTAKE_CONTACT_FIELDS = (
    "date_of_birth",
    "phone",
    "email",
    "emergency_contact_name",
    "emergency_contact_phone",
)
INTAKE_FIELDS = (
    "chief_complaint",
    "pain_regions",
    "onset_date",
    "duration",
    "pain_character",
    "aggravating_factors",
    "relieving_factors",
    "previous_treatment",
    "medications",
    "pain_now",
    "pain_average",
    "pain_worst",
    "peg_enjoyment",
    "peg_activity",
    "stress_rating",
    "sleep_quality",
    "sleep_hours",
    "health_conditions",
    "health_notes",
    "pressure_preference",
    "areas_to_avoid",
    "goals",
)


class LinkUnusable(Exception):
    """An intake or check-in link that is unknown, expired or already used."""

    def __init__(self, state: str):
        super().__init__(state)
        self.state = state  # "unknown", "expired" or "used"


# --- clients ---------------------------------------------------------------


def _apply(instance, data, allowed):
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown client fields: {sorted(unknown)}")
    for name, value in data.items():
        setattr(instance, name, value)


@transaction.atomic
def client_create(*, created_by=None, **data) -> Client:
    """A new client record. Duplicate warnings are the caller's business
    (selectors.client_possible_duplicates); here a person may share a name."""
    client = Client(created_by=created_by)
    _apply(client, data, CLIENT_FIELDS)
    client.full_clean()
    client.save()
    return client


@transaction.atomic
def client_update(*, client: Client, **data) -> Client:
    _apply(client, data, CLIENT_FIELDS)
    client.full_clean()
    client.save()
    return client


def client_archive(*, client: Client, archived: bool = True) -> Client:
    """Archive (or restore) a client: hidden from search, history kept."""
    client.archived = archived
    client.save(update_fields=["archived", "updated_at"])
    return client


# --- intake links ----------------------------------------------------------


def _link_lifetime():
    return timedelta(days=getattr(settings, "RELIEF_INTAKE_LINK_DAYS", 7))


def intake_link_create(*, client: Client, created_by=None, now=None) -> tuple[IntakeLink, str]:
    """A fresh intake link; returns (link, raw token). The raw token is never stored."""
    now = now or timezone.now()
    raw, digest = new_token()
    link = IntakeLink.objects.create(
        client=client, token_hash=digest, expires_at=now + _link_lifetime(), created_by=created_by
    )
    return link, raw


class IntakeLinkOpen(ValidationError):
    """The client already has a live intake link; sending another needs a yes."""

    def __init__(self, link: IntakeLink):
        self.link = link
        super().__init__("An intake link is still open.", code="link_open")


def intake_link_request(
    *, client: Client, created_by, base_url: str, replace: bool = False, now=None
) -> IntakeLink:
    """Queue an intake-link email to the client (sent after commit by a Celery task).

    The task makes the token itself, so the raw token travels only in the email.
    While a link is open (not used, not expired) this raises IntakeLinkOpen
    unless `replace`: then the open links expire now, so only the newest works.
    """
    now = now or timezone.now()
    if not client.email:
        raise ValidationError({"email": "This client has no email address. Add one first."})
    with transaction.atomic():
        open_links = IntakeLink.objects.select_for_update().filter(
            client=client, used_at__isnull=True, expires_at__gt=now
        )
        current = max(open_links, key=lambda link: link.created_at, default=None)
        if current is not None:
            if not replace:
                raise IntakeLinkOpen(current)
            open_links.update(expires_at=now)
        link = IntakeLink.objects.create(
            client=client,
            # Placeholder until the task mints the real token: a hash no raw token maps to.
            token_hash=f"pending-{new_token()[1][:48]}",
            expires_at=now + _link_lifetime(),
            created_by=created_by,
        )
        transaction.on_commit(
            lambda: current_app.send_task(SEND_INTAKE_LINK_TASK, args=[str(link.pk), base_url])
        )
    return link


def intake_link_url(raw_token: str, base_url: str = "") -> str:
    return base_url.rstrip("/") + reverse("clients:intake_public", args=[raw_token])


def intake_link_send(*, link_id, base_url: str, now=None) -> bool:
    """Mint the token and email the link; idempotent (a sent link is not re-sent)."""
    now = now or timezone.now()
    with transaction.atomic():
        link = (
            IntakeLink.objects.select_for_update(of=("self",))
            .select_related("client")
            .filter(pk=link_id)
            .first()
        )
        if link is None or link.sent_at is not None or link.used_at is not None:
            return False
        raw, digest = new_token()
        link.token_hash = digest
        link.expires_at = now + _link_lifetime()
        link.sent_to = link.client.email
        context = {
            "first_name": link.client.first_name_to_use,
            "url": intake_link_url(raw, base_url),
            "days": _link_lifetime().days,
            "practice_name": settings.RELIEF_PRACTICE_NAME,
            "practice_phone": settings.RELIEF_PRACTICE_PHONE,
        }
        # Sent inside the transaction: if sending fails nothing is marked sent
        # and the task's retry mints a new token (the old one was never delivered).
        send_mail(
            subject=f"Your intake form for {settings.RELIEF_PRACTICE_NAME}",
            message=render_to_string("clients/email/intake_link.txt", context),
            from_email=None,
            recipient_list=[link.client.email],
        )
        link.sent_at = timezone.now()
        link.last_error = ""
        link.save(update_fields=["token_hash", "expires_at", "sent_to", "sent_at", "last_error"])
    return True


def intake_link_failed(*, link_id, error: str) -> None:
    IntakeLink.objects.filter(pk=link_id).update(last_error=error[:2000])


def _resolve(model, raw_token: str, *, now, lock=False, related=()):
    qs = model.objects.select_related(*related)
    if lock:
        qs = qs.select_for_update()
    link = qs.filter(token_hash=hash_token(raw_token or "")).first()
    if link is None:
        raise LinkUnusable("unknown")
    state = link.state(now)
    if state != "valid":
        raise LinkUnusable(state)
    return link


def intake_link_resolve(*, raw_token: str, now=None) -> IntakeLink:
    """The usable link for a raw token, or LinkUnusable."""
    return _resolve(IntakeLink, raw_token, now=now or timezone.now(), related=("client",))


# --- intakes and scores ----------------------------------------------------


def scores_record(
    *,
    client,
    values,
    context,
    recorded_at,
    source_type,
    source_id,
    log: AuditBatch,
    appointment=None,
    by=None,
) -> list[Score]:
    """Store computed ScoreValues as Score rows, in one INSERT, each audited in `log`."""
    rows = [
        Score(
            client=client,
            instrument=value.instrument,
            value=value.value,
            item_answers=value.item_answers,
            recorded_at=recorded_at,
            context=context,
            source_type=source_type,
            source_id=str(source_id),
            appointment=appointment,
            recorded_by=by,
        )
        for value in values
    ]
    for row in rows:
        # The value's validators check the 0-10 range the constraint enforces.
        full_clean_loaded(row, validate_constraints=False)
    return log.bulk_create(Score, rows)


def _intake_save(
    *, client, answers, how, ip, log, submitted_by=None, link=None, form_token=None, now
):
    """The intake, the client's contact details and red-flag badge, and the scores.

    `client` (and `link`) are the rows the caller locked; `log` collects the
    audit entries, which the caller writes in its transaction.
    """
    version = answers.get("consent_version", CONSENT_VERSION)
    if version not in CONSENT_TEXTS:
        raise ValidationError({"consent_version": "Unknown consent version."})
    intake = Intake(
        client=client,
        submitted_at=now,
        how=how,
        link=link,
        form_token=form_token,
        submitted_by=submitted_by,
        consent_version=version,
        consent_signature=answers["consent_signature"],
        consent_at=now,
        consent_ip=ip or None,
        red_flags=red_flags.compute_red_flags(answers),
        **{name: answers.get(name) for name in INTAKE_FIELDS if answers.get(name) is not None},
    )
    # Uniqueness (link, form token) is the database's job: a concurrent double
    # submit surfaces as IntegrityError, which the callers turn into "already saved".
    # The ratings' validators check the 0-10 range the constraint enforces.
    full_clean_loaded(intake, validate_unique=False, validate_constraints=False)
    log.save(intake)

    stored = copy(client)
    changed = []
    for name in INTAKE_CONTACT_FIELDS:
        value = answers.get(name)
        if value not in (None, ""):
            setattr(client, name, value)
            changed.append(name)
    client.has_red_flags = bool(intake.red_flags)
    log.save(client, old=stored, update_fields=[*changed, "has_red_flags", "updated_at"])

    scores_record(
        client=client,
        values=scoring.intake_scores(answers),
        context=Score.Context.INTAKE,
        recorded_at=now,
        source_type="intake",
        source_id=intake.pk,
        log=log,
        by=submitted_by,
    )
    webhook_event_record(event="intake.submitted", instance=intake, now=now)
    return intake


def _use_up(link, *, now, log) -> None:
    stored = copy(link)
    link.used_at = now
    log.save(link, old=stored, update_fields=["used_at"])


def intake_submit_online(*, raw_token: str, answers: dict, ip: str | None, now=None) -> Intake:
    """Store the intake a client sent from their link; the link is used up in the
    same transaction, under a row lock, so a double submit makes one intake."""
    now = now or timezone.now()
    with transaction.atomic(), audit_batch() as log:
        link = _resolve(IntakeLink, raw_token, now=now, lock=True)
        client = Client.objects.select_for_update().get(pk=link.client_id)
        intake = _intake_save(
            client=client,
            answers=answers,
            how=Intake.How.ONLINE,
            ip=ip,
            log=log,
            link=link,
            now=now,
        )
        _use_up(link, now=now, log=log)
    return intake


def intake_submit_staff(
    *, client: Client, answers: dict, submitted_by, form_token, ip: str | None, now=None
) -> tuple[Intake, bool]:
    """Store an intake filled in the clinic. Returns (intake, created).

    The form's one-time token is unique in the database: the same form sent
    twice (double click, back button) returns the first intake.
    """
    now = now or timezone.now()
    existing = Intake.objects.filter(form_token=form_token).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic(), audit_batch() as log:
            client = Client.objects.select_for_update().get(pk=client.pk)
            intake = _intake_save(
                client=client,
                answers=answers,
                how=Intake.How.STAFF,
                ip=ip,
                log=log,
                submitted_by=submitted_by,
                form_token=form_token,
                now=now,
            )
    except IntegrityError:
        # A concurrent submit of the same form won the race.
        return Intake.objects.get(form_token=form_token), False
    return intake, True


# --- pre-session check-in --------------------------------------------------


@dataclass(frozen=True)
class CheckInResult:
    check_in: CheckIn
    created: bool


def checkin_link_create(*, appointment, base_url: str = "", now=None) -> str:
    """A check-in link for an appointment, as a URL (path alone when no base_url).

    Valid until the appointment ends; single use. For reminder messages.
    """
    now = now or timezone.now()
    raw, digest = new_token()
    CheckInLink.objects.create(
        appointment=appointment,
        token_hash=digest,
        expires_at=max(appointment.ends_at, now + timedelta(hours=1)),
    )
    return base_url.rstrip("/") + reverse("clients:checkin_public", args=[raw])


def checkin_link_resolve(*, raw_token: str, now=None) -> CheckInLink:
    return _resolve(
        CheckInLink,
        raw_token,
        now=now or timezone.now(),
        related=("appointment", "appointment__client", "appointment__location"),
    )


def _checkin_save(*, appointment, answers, how, by, now) -> CheckInResult:
    existing = CheckIn.objects.filter(appointment=appointment).first()
    if existing is not None:
        return CheckInResult(existing, False)
    try:
        with transaction.atomic(), audit_batch() as log:
            check_in = log.save(
                CheckIn(
                    appointment=appointment,
                    client_id=appointment.client_id,
                    submitted_at=now,
                    how=how,
                    anything_new=answers.get("anything_new", ""),
                    submitted_by=by,
                )
            )
            scores_record(
                client=appointment.client,
                values=scoring.check_in_scores(answers),
                context=Score.Context.PRE_SESSION,
                recorded_at=now,
                source_type="check_in",
                source_id=check_in.pk,
                log=log,
                appointment=appointment,
                by=by,
            )
    except IntegrityError:
        return CheckInResult(CheckIn.objects.get(appointment=appointment), False)
    return CheckInResult(check_in, True)


def checkin_submit_online(*, raw_token: str, answers: dict, now=None) -> CheckInResult:
    now = now or timezone.now()
    with transaction.atomic(), audit_batch() as log:
        link = _resolve(CheckInLink, raw_token, now=now, lock=True, related=())
        appointment = link.appointment
        result = _checkin_save(
            appointment=appointment, answers=answers, how=CheckIn.How.ONLINE, by=None, now=now
        )
        _use_up(link, now=now, log=log)
    return result


def checkin_submit_staff(*, appointment, answers: dict, by, now=None) -> CheckInResult:
    return _checkin_save(
        appointment=appointment,
        answers=answers,
        how=CheckIn.How.STAFF,
        by=by,
        now=now or timezone.now(),
    )


@transaction.atomic
def red_flag_clear(*, client, code: str, by, note: str, now=None) -> RedFlagClearance:
    """Record that a red flag needing medical clearance was cleared, and on what.

    Only the owner and the client's therapists clear (the people who may read
    the flag); only a flag of the latest intake that needs clearance can be.
    """
    if not selectors.can_see_clinical(by, client):
        raise PermissionDenied("Only the owner and the client's therapists clear red flags.")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say what you saw: who cleared it, and on what."})
    intake = selectors.latest_intake(client)
    codes = red_flags.flag_codes(intake.health_conditions) if intake else []
    if code not in codes or code not in red_flags.NEEDS_CLEARANCE:
        raise ValidationError("This red flag does not need clearance on the latest intake.")
    clearance = RedFlagClearance(
        client=client, flag_code=code, cleared_by=by, cleared_at=now or timezone.now(), note=note
    )
    clearance.full_clean()
    clearance.save()
    return clearance
