"""Waitlist writes: entries, matching freed time to offers, claiming an offer.

Freed time is recorded by the booking services (triggers.py) in the same
transaction as the cancellation, move or removed time off; `waitlist_process`
(a Celery task queued after that commit, and beat every minute) turns it into
offers. Every claim books through `practice.services.appointment_book`, so
the overlap constraint decides who was first: the others are told the time
was just taken and stay on the list.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from clients.tokens import new_token
from practice import selectors as practice_selectors
from practice import services as practice_services
from practice.models import Appointment, Therapist
from practice.waitlist import messages, windows
from practice.waitlist.models import FreedTime, WaitlistEntry, WaitlistOffer

logger = logging.getLogger(__name__)

Entry = WaitlistEntry.Status
Offer = WaitlistOffer.Status

# Outcomes of a claim, for the page to word.
BOOKED = "booked"
ALREADY_BOOKED = "already_booked"
TAKEN = "taken"
EXPIRED = "expired"
CLOSED = "closed"


@dataclass(frozen=True)
class ClaimResult:
    outcome: str
    offer: WaitlistOffer
    appointment: Appointment | None = None


def entry_add(
    *,
    client,
    service,
    therapist=None,
    date_from,
    date_to,
    weekdays="",
    morning=False,
    afternoon=False,
    evening=False,
    earliest_start=None,
    latest_start=None,
    note="",
    by=None,
    source="front_desk",
    today=None,
) -> WaitlistEntry:
    """Put a client on the waitlist; the rules of what may be asked for live here."""
    today = today or timezone.localdate()
    errors = {}
    if not service.active:
        errors["service"] = "This service is not offered any more."
    if therapist is not None and not therapist.services.filter(pk=service.pk).exists():
        errors["therapist"] = f"{therapist.display_name} does not offer {service.name}."
    if date_from < today:
        errors["date_from"] = "Choose today or a later date."
    horizon = today + timedelta(days=settings.RELIEF_BOOKING_HORIZON_DAYS)
    if date_to > horizon:
        errors["date_to"] = f"Choose a date up to {horizon:%d %b %Y}."
    if date_to < date_from:
        errors["date_to"] = "The last day must be on or after the first."
    if earliest_start and latest_start and latest_start < earliest_start:
        errors["latest_start"] = "The latest start must be after the earliest."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Locking the client serialises two adds of one client, so the cap holds.
        type(client).objects.select_for_update().filter(pk=client.pk).first()
        open_count = WaitlistEntry.objects.filter(
            client=client, status__in=WaitlistEntry.OPEN_STATUSES
        ).count()
        if open_count >= settings.RELIEF_WAITLIST_MAX_ENTRIES:
            raise ValidationError(
                f"There are already {open_count} waitlist requests; remove one to add another."
            )
        entry = WaitlistEntry(
            client=client,
            service=service,
            therapist=therapist,
            date_from=date_from,
            date_to=date_to,
            weekdays="".join(sorted(set(weekdays))),
            morning=morning,
            afternoon=afternoon,
            evening=evening,
            earliest_start=earliest_start,
            latest_start=latest_start,
            note=note.strip(),
            created_by=by,
            source=source,
        )
        entry.full_clean()
        entry.save()
    return entry


def entry_withdraw(*, entry: WaitlistEntry, now=None) -> WaitlistEntry:
    """Take an entry off the list; its open offers go with it."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.status not in WaitlistEntry.OPEN_STATUSES:
            return locked
        locked.status = Entry.WITHDRAWN
        locked.closed_at = now
        locked.save(update_fields=["status", "closed_at"])
        locked.offers.filter(status=Offer.PENDING).update(status=Offer.WITHDRAWN, closed_at=now)
    return locked


def _refresh_entries(entry_ids) -> None:
    # An entry is "offered" exactly while it has an open offer.
    open_offer = WaitlistOffer.objects.filter(entry=OuterRef("pk"), status=Offer.PENDING)
    WaitlistEntry.objects.filter(pk__in=entry_ids, status=Entry.OFFERED).exclude(
        Exists(open_offer)
    ).update(status=Entry.WAITING)


def _candidates(freed: FreedTime, now):
    """Open entries that could take time of this therapist, oldest first, leaving out
    those already offered this freed time (a second round goes to the next ones)."""
    offered_before = WaitlistOffer.objects.filter(entry=OuterRef("pk"), freed=freed)
    return list(
        WaitlistEntry.objects.exclude(Exists(offered_before))
        .filter(
            status__in=WaitlistEntry.OPEN_STATUSES,
            service__active=True,
            service__in=freed.therapist.services.all(),
            # A day either side: local dates of any location's clock.
            date_from__lte=(freed.ends_at + timedelta(days=1)).date(),
            date_to__gte=(freed.starts_at - timedelta(days=1)).date(),
        )
        .filter(Q(therapist__isnull=True) | Q(therapist_id=freed.therapist_id))
        .select_related("client", "service")
        .order_by("created_at", "pk")
    )


def _free_starts(freed: FreedTime, service, now):
    """Free starts of `service` with the freed time's therapist inside the freed time."""
    first_day = (freed.starts_at - timedelta(days=1)).date()
    days = (freed.ends_at.date() - first_day).days + 2
    slots, _ = practice_selectors.available_slots(
        service=service, first_day=first_day, days=days, therapist=freed.therapist, now=now
    )
    return [
        slot
        for slot in slots
        if freed.starts_at <= slot.starts_at < freed.ends_at
        and (freed.location_id is None or slot.location_id == freed.location_id)
    ]


def freed_time_match(*, freed: FreedTime, now=None) -> list[tuple[WaitlistOffer, str]]:
    """Offers for the entries the freed time suits; returns each with its raw link token.

    Each entry is offered its earliest fitting start. A freed time goes to at
    most RELIEF_WAITLIST_OFFERS_PER_TIME entries, the longest waiting first (a
    freed hour seldom holds two bookings, so more offers would mostly end in
    "just taken"); all of them get the message at once and the first to
    claim books it.
    """
    now = now or timezone.now()
    made = []
    starts_of_service: dict = {}
    lifetime = timedelta(minutes=settings.RELIEF_WAITLIST_OFFER_MINUTES)
    for entry in _candidates(freed, now):
        if len(made) >= settings.RELIEF_WAITLIST_OFFERS_PER_TIME:
            break
        if entry.service_id not in starts_of_service:
            starts_of_service[entry.service_id] = _free_starts(freed, entry.service, now)
        window = entry.window
        for slot in starts_of_service[entry.service_id]:
            if not windows.fits(window, slot.local):
                continue
            already = WaitlistOffer.objects.filter(
                entry=entry,
                therapist_id=slot.therapist_id,
                starts_at=slot.starts_at,
                status=Offer.PENDING,
            ).exists()
            if already:
                break
            raw, digest = new_token()
            offer = WaitlistOffer.objects.create(
                entry=entry,
                freed=freed,
                therapist_id=slot.therapist_id,
                service=entry.service,
                location_id=slot.location_id,
                starts_at=slot.starts_at,
                token_hash=digest,
                created_at=now,
                expires_at=min(now + lifetime, slot.starts_at),
            )
            if entry.status != Entry.OFFERED:
                entry.status = Entry.OFFERED
                entry.save(update_fields=["status"])
            made.append((offer, raw))
            break
    return made


def offers_expire(*, now=None) -> int:
    """Close offers past their expiry and entries past their last day."""
    now = now or timezone.now()
    with transaction.atomic():
        stale = list(
            WaitlistOffer.objects.filter(status=Offer.PENDING, expires_at__lte=now).values_list(
                "pk", "entry_id", "freed_id"
            )
        )
        WaitlistOffer.objects.filter(pk__in=[pk for pk, _, _ in stale]).update(
            status=Offer.EXPIRED, closed_at=now
        )
        # A day's grace: the last day is a local date, and no clock is a day behind UTC.
        past = WaitlistEntry.objects.filter(
            status__in=WaitlistEntry.OPEN_STATUSES, date_to__lt=(now - timedelta(days=1)).date()
        )
        ended = list(past.values_list("pk", flat=True))
        WaitlistOffer.objects.filter(entry_id__in=ended, status=Offer.PENDING).update(
            status=Offer.EXPIRED, closed_at=now
        )
        past.update(status=Entry.EXPIRED, closed_at=now)
        _refresh_entries({entry_id for _, entry_id, _ in stale})
        _offer_again({freed_id for _, _, freed_id in stale if freed_id}, now)
    return len(stale)


def _offer_again(freed_ids, now) -> None:
    """Freed time still ahead whose last offers just lapsed, none taken up, goes to the
    next entries in line (the matcher leaves out those offered it before)."""
    live = WaitlistOffer.objects.filter(
        freed=OuterRef("pk"), status__in=[Offer.PENDING, Offer.CLAIMED]
    )
    FreedTime.objects.filter(pk__in=freed_ids, ends_at__gt=now).exclude(Exists(live)).update(
        processed_at=None
    )


def waitlist_process(*, now=None, limit=50) -> int:
    """Match freed time not yet matched, send the offers, expire old ones; offers made.

    Each freed-time row is claimed (SKIP LOCKED) and matched in its own
    transaction, so two workers never offer the same row twice; messages go
    out after that commit.
    """
    now = now or timezone.now()
    offers_expire(now=now)
    sent = 0
    for _ in range(limit):
        with transaction.atomic():
            freed = (
                FreedTime.objects.select_for_update(skip_locked=True)
                .filter(processed_at__isnull=True)
                .select_related("therapist")
                .order_by("created_at", "pk")
                .first()
            )
            if freed is None:
                break
            made = freed_time_match(freed=freed, now=now) if freed.ends_at > now else []
            freed.processed_at = now
            freed.save(update_fields=["processed_at"])
        for offer, raw in made:
            messages.offer_send(offer=offer, raw_token=raw)
            sent += 1
    return sent


def offer_claim(*, offer: WaitlistOffer, by=None, now=None) -> ClaimResult:
    """Book the offered time for the entry's client, if it is still free.

    One transaction: the offered therapist's row is locked first (FOR NO
    KEY UPDATE, which a booking's foreign-key check does not wait on), so
    claims of one therapist's freed time queue there instead of deadlocking
    on each other's new rows in the overlap constraint; then the offer row
    (so fifty clicks of one link book once). The therapist before the offer:
    the winner closes the other offers of the time, and a claimant holding
    its own offer while it waited for the therapist was a deadlock with the
    winner on every such offer (hundreds of detector timeouts with fifty
    clients on one time). The booking service then inserts the appointment,
    and the constraint still decides against any desk booking. A deadlock
    with other bookings retries the whole claim.
    """
    now = now or timezone.now()
    try:
        return practice_services.run_retrying_conflicts(
            lambda: _claim_once(offer_id=offer.pk, by=by, now=now)
        )
    except ValidationError:
        # Retried out: others kept winning the time.
        with transaction.atomic():
            locked = WaitlistOffer.objects.select_for_update().get(pk=offer.pk)
            if locked.status == Offer.PENDING:
                _close(locked, Offer.TAKEN, now)
        return ClaimResult(TAKEN, locked)


def _claim_once(*, offer_id, by, now) -> ClaimResult:
    with transaction.atomic():
        # An offer's therapist never changes: the lock can come before the offer's.
        Therapist.objects.select_for_update(no_key=True).filter(
            pk=Subquery(WaitlistOffer.objects.filter(pk=offer_id).values("therapist_id"))
        ).first()
        offer = (
            WaitlistOffer.objects.select_for_update(of=("self",))
            .select_related("entry__client", "service", "therapist", "location", "appointment")
            .get(pk=offer_id)
        )
        if offer.status == Offer.CLAIMED:
            return ClaimResult(ALREADY_BOOKED, offer, offer.appointment)
        if offer.status == Offer.TAKEN:
            return ClaimResult(TAKEN, offer)
        if offer.status != Offer.PENDING:
            return ClaimResult(CLOSED if offer.status == Offer.WITHDRAWN else EXPIRED, offer)
        if offer.expires_at <= now:
            _close(offer, Offer.EXPIRED, now)
            return ClaimResult(EXPIRED, offer)
        entry = WaitlistEntry.objects.select_for_update().get(pk=offer.entry_id)
        if entry.status not in WaitlistEntry.OPEN_STATUSES:
            _close(offer, Offer.WITHDRAWN, now)
            return ClaimResult(CLOSED, offer)
        try:
            appointment = practice_services.appointment_book(
                client=offer.entry.client,
                therapist=offer.therapist,
                service=offer.service,
                location=offer.location,
                starts_at=offer.starts_at,
                booked_by=by,
                source=Appointment.Source.ONLINE if by is None else Appointment.Source.FRONT_DESK,
                now=now,
            )
        except ValidationError:
            # Someone else's claim, a desk booking or new time off got there first.
            _close(offer, Offer.TAKEN, now)
            return ClaimResult(TAKEN, offer)
        offer.status = Offer.CLAIMED
        offer.appointment = appointment
        offer.closed_at = now
        offer.save(update_fields=["status", "appointment", "closed_at"])
        entry.status = Entry.BOOKED
        entry.appointment = appointment
        entry.closed_at = now
        entry.save(update_fields=["status", "appointment", "closed_at"])
        entry.offers.filter(status=Offer.PENDING).update(status=Offer.WITHDRAWN, closed_at=now)
        others = WaitlistOffer.objects.filter(
            status=Offer.PENDING, therapist=offer.therapist, starts_at=offer.starts_at
        )
        other_entries = set(others.values_list("entry_id", flat=True))
        others.update(status=Offer.TAKEN, closed_at=now)
        _refresh_entries(other_entries)
    return ClaimResult(BOOKED, offer, appointment)


def _close(offer: WaitlistOffer, status, now) -> None:
    offer.status = status
    offer.closed_at = now
    offer.save(update_fields=["status", "closed_at"])
    _refresh_entries([offer.entry_id])
