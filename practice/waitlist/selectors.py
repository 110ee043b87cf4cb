"""Waitlist reads for the portal and the front desk."""

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from clients.tokens import hash_token
from practice.waitlist.models import WaitlistEntry, WaitlistOffer


def _with_open_offers(queryset, now):
    live = WaitlistOffer.objects.filter(
        status=WaitlistOffer.Status.PENDING, expires_at__gt=now
    ).select_related("therapist", "location")
    return queryset.prefetch_related(Prefetch("offers", queryset=live, to_attr="open_offers"))


def entries_for_client(client, *, now=None):
    """The client's open entries with their open offers, then the last few closed ones."""
    now = now or timezone.now()
    base = WaitlistEntry.objects.filter(client=client).select_related("service", "therapist")
    open_entries = list(
        _with_open_offers(base.filter(status__in=WaitlistEntry.OPEN_STATUSES), now).order_by(
            "created_at"
        )
    )
    closed = list(base.exclude(status__in=WaitlistEntry.OPEN_STATUSES).order_by("-created_at")[:10])
    return open_entries, closed


def get_entry_for_client(client, entry_id) -> WaitlistEntry:
    entry = WaitlistEntry.objects.filter(client=client, pk=entry_id).first()
    if entry is None:
        raise Http404
    return entry


def open_entries(*, service_id=None, limit=200, now=None):
    """The waitlist as the desk sees it: open entries, longest waiting first."""
    now = now or timezone.now()
    queryset = WaitlistEntry.objects.filter(status__in=WaitlistEntry.OPEN_STATUSES)
    if service_id:
        queryset = queryset.filter(service_id=service_id)
    return list(
        _with_open_offers(queryset.select_related("client", "service", "therapist"), now).order_by(
            "created_at", "pk"
        )[:limit]
    )


def open_entry_count() -> int:
    return WaitlistEntry.objects.filter(status__in=WaitlistEntry.OPEN_STATUSES).count()


def get_open_entry(entry_id) -> WaitlistEntry:
    entry = (
        WaitlistEntry.objects.filter(pk=entry_id, status__in=WaitlistEntry.OPEN_STATUSES)
        .select_related("client", "service", "therapist")
        .first()
    )
    if entry is None:
        raise Http404
    return entry


def get_offer_for_token(raw_token: str) -> WaitlistOffer | None:
    """The offer a link names (any status: a used link explains itself), or None."""
    return (
        WaitlistOffer.objects.filter(token_hash=hash_token(raw_token or ""))
        .select_related("entry__client", "service", "therapist", "location")
        .first()
    )


def get_offer_for_client(client, offer_id) -> WaitlistOffer:
    offer = (
        WaitlistOffer.objects.filter(pk=offer_id, entry__client=client)
        .select_related("entry__client", "service", "therapist", "location")
        .first()
    )
    if offer is None:
        raise Http404
    return offer


def get_offer_for_desk(offer_id) -> WaitlistOffer:
    offer = (
        WaitlistOffer.objects.filter(pk=offer_id)
        .select_related("entry__client", "service", "therapist", "location")
        .first()
    )
    if offer is None:
        raise Http404
    return offer
