"""The client portal at /my/: passwordless sign-in, then the client's own things.

Sign-in pages are public; every other page is `client_required` (portal/access.py).
Whether an address is on file never changes a page: the code request always
goes on to the same code page (the code itself is sent by a Celery task, so
the request takes as long either way), and every wrong code gets the same answer.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import receipts
from practice.reminders import messages as messaging
from practice.security.access import public
from practice.validation import booking_window, parse_day, parse_id
from practice.waitlist import messages as waitlist_messages
from practice.waitlist import selectors as waitlist_selectors
from practice.waitlist import services as waitlist_services
from practice.waitlist.forms import EntryForm

from . import ratelimit, selectors, services, session
from .access import client_required
from .forms import AddressForm, CodeForm, ContactForm
from .online import selectors as online_selectors
from .online import services as online_services

NEXT_KEY = "portal_next"


def _safe_next(request, target: str | None) -> str | None:
    # Only back into the portal: a sign-in link must not bounce anywhere else.
    if (
        target
        and target.startswith("/my/")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return target
    return None


def _rate_limited(request):
    return render(request, "portal/rate_limited.html", status=429)


@public
@require_http_methods(["GET", "POST"])
def home(request):
    client = session.current_client(request)
    if client is None:
        return _sign_in(request)
    if request.method == "POST":
        return redirect("portal:home")
    request.portal_client = client
    return render(request, "portal/home.html", _home_context(client))


def _home_context(client) -> dict:
    upcoming = [
        {
            "appointment": appointment,
            "details": messaging.appointment_details(appointment),
            "cancel_option": services.cancel_option(appointment),
            "change_option": online_services.change_option(appointment),
        }
        for appointment in selectors.upcoming_appointments(client)
    ]
    past = [
        {"appointment": appointment, "details": messaging.appointment_details(appointment)}
        for appointment in selectors.past_appointments(client)
    ]
    return {
        "client": client,
        "upcoming": upcoming,
        "past": past,
        "advice": selectors.home_care_advice(client),
        "receipts": selectors.receipts(client),
        "currency": settings.RELIEF_CURRENCY,
        "books_online": bool(online_selectors.online_locations()),
    }


def _sign_in(request):
    form = AddressForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "portal/sign_in.html", {"form": form}, status=400)
        kind, address = form.cleaned_data["address"]
        if not ratelimit.code_request_allowed(ip=ratelimit.client_ip(request), contact=address):
            return _rate_limited(request)
        services.code_request_queue(
            kind=kind, address=address, base_url=request.build_absolute_uri("/")
        )
        next_url = _safe_next(request, request.GET.get("next"))
        session.remember_pending(request, address)
        if next_url:
            request.session[NEXT_KEY] = next_url
        return redirect("portal:code")
    return render(request, "portal/sign_in.html", {"form": form})


def _signed_in(request, client):
    next_url = request.session.get(NEXT_KEY)
    session.sign_in(request, client)
    messages.success(request, f"Welcome, {client.first_name_to_use}.")
    return redirect(next_url or "portal:home")


@public
@require_http_methods(["GET", "POST"])
def code(request):
    address = session.pending_address(request)
    if address is None or session.current_client(request) is not None:
        return redirect("portal:home")
    form = CodeForm(request.POST or None)
    context = {"form": form, "address": address, "minutes": settings.RELIEF_PORTAL_CODE_MINUTES}
    if request.method == "POST":
        ip = ratelimit.client_ip(request)
        if ratelimit.failures_exceeded(ip=ip):
            return _rate_limited(request)
        if form.is_valid():
            client = services.code_verify(address=address, code=form.cleaned_data["code"])
            if client is not None:
                return _signed_in(request, client)
            ratelimit.failure(ip=ip)
            form.add_error(
                "code",
                "That code is not right, or it can no longer be used. "
                "Check the message, or ask for a new code.",
            )
        return render(request, "portal/code.html", context, status=400)
    return render(request, "portal/code.html", context)


@public
@require_http_methods(["GET", "POST"])
def link(request, link_token):
    """The emailed sign-in link: a GET only asks (mail scanners open links), a POST signs in."""
    ip = ratelimit.client_ip(request)
    if ratelimit.failures_exceeded(ip=ip):
        return _rate_limited(request)
    if request.method == "POST":
        client = services.link_sign_in(raw_token=link_token)
        if client is not None:
            return _signed_in(request, client)
    elif services.link_is_live(raw_token=link_token):
        return render(request, "portal/link.html")
    ratelimit.failure(ip=ip)
    return render(request, "portal/link_unusable.html", status=410)


@public
@require_POST
def sign_out(request):
    session.sign_out(request)
    messages.info(request, "You are signed out.")
    return redirect("portal:home")


@client_required
@require_http_methods(["GET", "POST"])
def appointment_cancel(request, appointment_id):
    client = request.portal_client
    appointment = selectors.get_appointment_for_client(client, appointment_id)
    details = messaging.appointment_details(appointment)
    if request.method == "POST":
        try:
            services.appointment_cancel_by_client(client=client, appointment=appointment)
        except services.LateCancel:
            return _call_to_cancel(request, details)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Your appointment on {details['date']} is cancelled.")
        return redirect("portal:home")
    option = services.cancel_option(appointment)
    if option == "call":
        return _call_to_cancel(request, details)
    if option == "closed":
        messages.info(request, "This appointment can no longer be cancelled online.")
        return redirect("portal:home")
    return render(
        request,
        "portal/cancel.html",
        {
            "details": details,
            "appointment": appointment,
            "late": option == "late",
            "hours": settings.RELIEF_LATE_CANCEL_HOURS,
        },
    )


def _call_to_cancel(request, details):
    return render(
        request,
        "portal/call_to_cancel.html",
        {"details": details, "hours": settings.RELIEF_LATE_CANCEL_HOURS},
    )


@client_required
@require_http_methods(["GET", "POST"])
def details(request):
    client = request.portal_client
    initial = {
        "email": client.email,
        "phone": client.phone,
        "consent_email": client.consent_email_reminders,
        "consent_sms": client.consent_sms_reminders,
    }
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.contact_update(
                client=client,
                email=data["email"],
                phone=data["phone"] or "",
                consent_email=data["consent_email"],
                consent_sms=data["consent_sms"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Your details are saved.")
            return redirect("portal:home")
    status = 400 if form.is_bound else 200
    return render(request, "portal/details.html", {"form": form}, status=status)


@client_required
@require_GET
def receipt(request, invoice_id):
    invoice = selectors.get_receipt_for_client(request.portal_client, invoice_id)
    pdf = receipts.receipt_pdf(invoice, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{invoice.number}.pdf"'
    return response


# The waitlist: the client's requests, and the offers made when time comes free.


def _entry_initial(request) -> dict:
    """Prefill from a link (`?service=&therapist=&date=`): where online booking found nothing."""
    today = timezone.localdate()
    initial = {"date_from": today, "date_to": today + timedelta(days=14)}
    for name in ("service", "therapist"):
        value = parse_id(request.GET.get(name))
        if value:
            initial[name] = value
    _, latest = booking_window(today, settings.RELIEF_BOOKING_HORIZON_DAYS)
    day = parse_day(request.GET.get("date"), default=None, earliest=today, latest=latest)
    if day is not None:
        initial["date_from"] = day
        initial["date_to"] = max(day, today + timedelta(days=14))
    return initial


@client_required
@require_GET
def waitlist(request):
    entries, closed = waitlist_selectors.entries_for_client(request.portal_client)
    offers = [
        {"offer": offer, "entry": entry, "details": waitlist_messages.offer_details(offer)}
        for entry in entries
        for offer in entry.open_offers
    ]
    return render(
        request,
        "portal/waitlist.html",
        {"entries": entries, "closed": closed, "offers": offers},
    )


@client_required
@require_http_methods(["GET", "POST"])
def waitlist_add(request):
    form = EntryForm(request.POST or None, initial=_entry_initial(request))
    if request.method == "POST" and form.is_valid():
        try:
            waitlist_services.entry_add(
                client=request.portal_client, source="online", **form.service_kwargs()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request, "You are on the waitlist. We will email or text you when a time frees up."
            )
            return redirect("portal:waitlist")
    status = 400 if form.is_bound else 200
    return render(request, "portal/waitlist_add.html", {"form": form}, status=status)


@client_required
@require_http_methods(["GET", "POST"])
def waitlist_remove(request, waitlist_entry_id):
    """Asks first (GET), removes on POST."""
    entry = waitlist_selectors.get_entry_for_client(request.portal_client, waitlist_entry_id)
    if request.method == "POST":
        waitlist_services.entry_withdraw(entry=entry)
        messages.success(request, "That request is off the waitlist.")
        return redirect("portal:waitlist")
    if entry.status not in entry.OPEN_STATUSES:
        return redirect("portal:waitlist")
    return render(request, "portal/waitlist_remove.html", {"entry": entry})


@client_required
@require_POST
def waitlist_claim(request, offer_id):
    """Book an offer from the signed-in client's waitlist page (the same claim as the link)."""
    offer = waitlist_selectors.get_offer_for_client(request.portal_client, offer_id)
    return _offer_page(request, offer, waitlist_services.offer_claim(offer=offer))


OFFER_OUTCOMES = {
    waitlist_services.BOOKED: "booked",
    waitlist_services.ALREADY_BOOKED: "booked",
    waitlist_services.TAKEN: "taken",
    waitlist_services.EXPIRED: "expired",
    waitlist_services.CLOSED: "closed",
}


@public
@require_http_methods(["GET", "POST"])
def waitlist_offer(request, offer_token):
    """The offer link (the token is the credential): a GET shows the time, a POST books it."""
    ip = ratelimit.client_ip(request)
    if ratelimit.failures_exceeded(ip=ip):
        return _rate_limited(request)
    offer = waitlist_selectors.get_offer_for_token(offer_token)
    if offer is None:
        ratelimit.failure(ip=ip)
        return render(request, "portal/waitlist_offer_unknown.html", status=404)
    if request.method == "POST":
        return _offer_page(request, offer, waitlist_services.offer_claim(offer=offer))
    return _offer_page(request, offer)


def _offer_page(request, offer, result=None):
    state = "open"
    if result is not None:
        state = OFFER_OUTCOMES[result.outcome]
        offer = result.offer
    elif offer.status != offer.Status.PENDING or offer.expires_at <= timezone.now():
        state = {
            offer.Status.CLAIMED: "booked",
            offer.Status.TAKEN: "taken",
            offer.Status.WITHDRAWN: "closed",
        }.get(offer.status, "expired")
    return render(
        request,
        "portal/waitlist_offer.html",
        {
            "offer": offer,
            "state": state,
            "details": waitlist_messages.offer_details(offer),
            "signed_in": session.current_client(request) is not None,
        },
    )
