"""Reads of client records, scoped to what a user may see."""

from django.db.models import Q
from django.http import Http404

from practice.access import Role, roles_of

from .models import Client


def clients_visible_to(user):
    """Clients whose records `user` may open.

    Owner and front desk: every client. A therapist: "their clients", those
    they are primary therapist for or have (had) an appointment with.
    """
    roles = roles_of(user)
    qs = Client.objects.all()
    if roles & {Role.OWNER, Role.FRONT_DESK}:
        return qs
    therapist = getattr(user, "therapist", None) if Role.THERAPIST in roles else None
    if therapist is None:
        return qs.none()
    return qs.filter(
        Q(primary_therapist=therapist) | Q(pk__in=therapist.appointments.values("client_id"))
    )


def get_client_for_user(user, pk) -> Client:
    """The client `pk` if `user` may see it; otherwise 404 (never 403)."""
    try:
        return clients_visible_to(user).get(pk=pk)
    except (Client.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def can_see_clinical(user, client) -> bool:
    """Intake answers, scores, red-flag details: owner, and a therapist of the client."""
    roles = roles_of(user)
    if Role.OWNER in roles:
        return True
    if Role.THERAPIST in roles:
        return clients_visible_to(user).filter(pk=client.pk).exists()
    return False


def client_search(*, user, query: str, limit: int = 20):
    """Clients matching a name, phone or email fragment, for search-as-you-type."""
    query = (query or "").strip()
    qs = clients_visible_to(user).filter(archived=False)
    if not query:
        return qs.none()
    digits = "".join(ch for ch in query if ch.isdigit())
    condition = Q()
    for word in query.split():
        condition &= (
            Q(first_name__istartswith=word)
            | Q(last_name__istartswith=word)
            | Q(preferred_name__istartswith=word)
        )
    condition |= Q(email__istartswith=query)
    if len(digits) >= 4:
        condition |= Q(phone__contains=digits)
    return qs.filter(condition).order_by("last_name", "first_name")[:limit]
