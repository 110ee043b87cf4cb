"""The front desk's waitlist: who waits for what, adding a client, booking an offer.

Every staff role reads it; writes need the booking right (owner, front desk,
and therapists where the practice lets them book for everyone).
"""

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.selectors import client_search, clients_visible_to
from practice import selectors as practice_selectors
from practice.security.access import staff_required
from practice.validation import parse_id
from practice.waitlist import messages as waitlist_messages
from practice.waitlist import selectors, services
from practice.waitlist.forms import EntryForm

CLAIM_MESSAGES = {
    services.BOOKED: "Booked from the waitlist.",
    services.ALREADY_BOOKED: "This offer was already booked.",
    services.TAKEN: "That time was just taken; the client stays on the waitlist.",
    services.EXPIRED: "That offer has expired; the client stays on the waitlist.",
    services.CLOSED: "That waitlist request is closed.",
}


def _booker_only(view):
    """Writes need the booking right; checked before the method, so a GET is a 404 too."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not practice_selectors.can_book(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _book_url(entry) -> str:
    query = f"?client={entry.client_id}&service={entry.service_id}"
    if entry.therapist_id:
        query += f"&therapist={entry.therapist_id}"
    today = timezone.localdate()
    query += f"&date={max(entry.date_from, today):%Y-%m-%d}"
    return reverse("practice:book") + query


@staff_required
@require_GET
def waitlist_list(request):
    service_id = parse_id(request.GET.get("service"))
    entries = selectors.open_entries(service_id=service_id)
    rows = [
        {
            "entry": entry,
            "book_url": _book_url(entry),
            "offers": [
                {"offer": offer, "details": waitlist_messages.offer_details(offer)}
                for offer in entry.open_offers
            ],
        }
        for entry in entries
    ]
    return render(
        request,
        "practice/waitlist/list.html",
        {
            "rows": rows,
            "can_write": practice_selectors.can_book(request.user),
            "services": EntryForm().fields["service"].queryset,
            "service_id": service_id,
        },
    )


def _client_from_query(request):
    client_id = request.GET.get("client") or request.POST.get("client")
    if not client_id:
        return None
    try:
        return clients_visible_to(request.user).filter(pk=client_id, archived=False).first()
    except (ValueError, ValidationError):
        return None


@staff_required
@_booker_only
@require_http_methods(["GET", "POST"])
def waitlist_add(request):
    client = _client_from_query(request)
    if client is None:
        query = (request.GET.get("q") or "")[:100]
        found = client_search(user=request.user, query=query) if query else []
        return render(
            request, "practice/waitlist/pick_client.html", {"query": query, "found": found}
        )
    today = timezone.localdate()
    form = EntryForm(
        request.POST or None,
        initial={"date_from": today, "date_to": today + timedelta(days=14)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_add(client=client, by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"{client.first_name_to_use} is on the waitlist.")
            return redirect("waitlist:list")
    status = 400 if form.is_bound else 200
    return render(
        request, "practice/waitlist/add.html", {"form": form, "client": client}, status=status
    )


@staff_required
@_booker_only
@require_http_methods(["GET", "POST"])
def waitlist_withdraw(request, waitlist_entry_id):
    """Asks first (GET), removes on POST."""
    entry = selectors.get_open_entry(waitlist_entry_id)
    if request.method == "POST":
        services.entry_withdraw(entry=entry)
        messages.success(request, f"{entry.client.first_name_to_use} is off the waitlist.")
        return redirect("waitlist:list")
    return render(request, "practice/waitlist/withdraw.html", {"entry": entry})


@staff_required
@_booker_only
@require_POST
def waitlist_book_offer(request, offer_id):
    """Book an offered time for the client (on the phone, say), through the same claim."""
    offer = selectors.get_offer_for_desk(offer_id)
    result = services.offer_claim(offer=offer, by=request.user)
    level = messages.success if result.outcome == services.BOOKED else messages.warning
    level(request, CLAIM_MESSAGES[result.outcome])
    if result.appointment is not None:
        return redirect("practice:appointment_detail", appointment_id=result.appointment.pk)
    return redirect("waitlist:list")
