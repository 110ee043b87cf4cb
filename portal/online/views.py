"""Online booking at /online/ (public) and the portal's reschedule.

Steps: a service, then a therapist (or anyone) and a free time, then who the
client is: a returning client gets a sign-in code (sent by a Celery task, so
the answer and its timing are the same whether or not the address is known),
a new client fills in their details and the screening questions. Nothing is
booked before the last POST; every rule is the service's.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote_plus

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import ratelimit, session
from portal.access import client_required
from portal.forms import CodeForm
from portal.selectors import get_appointment_for_client
from portal.services import code_request_queue, code_verify
from practice.availability import zone
from practice.forms import parse_slot
from practice.models import Appointment, Location, Service, Therapist
from practice.reminders import messages as messaging
from practice.security.access import Role, public, roles_required
from practice.validation import parse_day

from . import rules, screening, selectors, services
from .forms import NewClientForm, ReturningForm

PENDING_KEY = "online_pending"
DONE_KEY = "online_done"


@dataclass
class Choice:
    """What the client picked: a free time of a service at a location."""

    location: Location
    service: Service
    therapist: Therapist
    starts_at: datetime
    any_therapist: bool
    slot: str

    def query(self) -> str:
        return urlencode(
            {
                "location": self.location.pk,
                "service": self.service.pk,
                "slot": self.slot,
                "any": "1" if self.any_therapist else "",
            }
        )


def _choice(values) -> Choice | None:
    """The pick named by `values` (a query, a POST or the session), or None if
    it names nothing bookable online."""
    location = selectors.online_location(values.get("location"))
    if location is None:
        return None
    try:
        therapist_id, location_id, starts_at = parse_slot(str(values.get("slot") or ""))
    except ValidationError:
        return None
    if location_id != location.pk:
        return None
    pick = selectors.online_pick(location, values.get("service"), therapist_id)
    if pick is None:
        return None
    service, therapist = pick
    return Choice(
        location=location,
        service=service,
        therapist=therapist,
        starts_at=starts_at,
        any_therapist=values.get("any") == "1",
        slot=values["slot"],
    )


def _context(location, **extra):
    return {
        "location": location,
        "practice_phone": location.phone or settings.RELIEF_PRACTICE_PHONE,
        **extra,
    }


def _unavailable(request):
    return render(request, "portal/online/unavailable.html", status=200)


def _local(starts_at, location):
    return starts_at.astimezone(zone(location.time_zone))


@public
@require_GET
def start(request):
    location = selectors.online_location(request.GET.get("location"))
    if location is None:
        return _unavailable(request)
    return render(
        request,
        "portal/online/start.html",
        _context(
            location,
            services=[
                {"service": s, "minutes": int(s.duration.total_seconds() // 60)}
                for s in selectors.online_services(location)
            ],
            currency=settings.RELIEF_CURRENCY,
            locations=selectors.online_locations(),
        ),
    )


@public
@require_GET
def times(request):
    location = selectors.online_location(request.GET.get("location"))
    if location is None:
        return _unavailable(request)
    offered = selectors.online_service_shifts(location, request.GET.get("service"))
    if offered is None:
        messages.info(request, "Choose a service first.")
        return redirect(reverse("online:start") + "?" + urlencode({"location": location.pk}))
    service, shifts = offered
    therapists = [{"pk": tid, "display_name": name} for tid, name in shifts.therapists.items()]
    wanted = request.GET.get("therapist") or "any"
    chosen = next((t for t in therapists if str(t["pk"]) == wanted), None)
    ids = [chosen["pk"]] if chosen else list(shifts.therapists)
    policy = selectors.rules_for(location)
    today = timezone.localtime(timezone.now(), _zone(location)).date()
    horizon_end = today + timedelta(days=policy.horizon.days)
    first_day = parse_day(
        request.GET.get("date"), default=today, earliest=today, latest=horizon_end
    )
    days = []
    if ids:
        days, _ = selectors.online_slots(
            location=location,
            service=service,
            therapist_ids=ids,
            first_day=first_day,
            shifts=shifts,
        )
    base = {"location": location.pk, "service": service.pk, "therapist": wanted}
    week = timedelta(days=selectors.SEARCH_DAYS)
    return render(
        request,
        "portal/online/times.html",
        _context(
            location,
            service=service,
            therapists=therapists,
            wanted=wanted if chosen else "any",
            **_day_view(
                days,
                request.GET.get("day"),
                link=_slot_link(
                    reverse("online:details"),
                    {"location": location.pk, "service": service.pk},
                    {"any": "" if chosen else "1"},
                ),
                show_names=chosen is None,
                day_link=lambda day: (
                    "?" + urlencode({**base, "date": first_day.isoformat(), "day": day.isoformat()})
                ),
            ),
            first_day=first_day,
            last_day=first_day + week - timedelta(days=1),
            earlier_url=(
                "?" + urlencode({**base, "date": max(today, first_day - week).isoformat()})
                if first_day > today
                else ""
            ),
            later_url=(
                "?" + urlencode({**base, "date": (first_day + week).isoformat()})
                if first_day + week <= horizon_end
                else ""
            ),
        ),
    )


def _slot_link(path: str, before: dict, after: dict):
    """The link of a start: `path` with the query `before`, the slot, `after`.
    Built from two fixed halves, not one reverse() and urlencode() per start."""
    head = f"{path}?{urlencode({**before, 'slot': ''})}"
    tail = f"&{urlencode(after)}" if after else ""
    return lambda value: f"{head}{quote_plus(value)}{tail}"


def _time_links(entries, *, link, show_names) -> str:
    """A day's bookable times as one fragment: a template loop with its lookups
    per time cost more than the search behind them."""
    parts = []
    for e in entries:
        if e["how"] != rules.BOOK:
            continue
        slot = e["slot"]
        who = f'<span class="d-block small">{escape(e["name"])}</span>' if show_names else ""
        parts.append(
            f'<li><a class="btn btn-outline-primary portal-tap online-time"'
            f' href="{escape(link(slot.value))}">{escape(slot.clock())}{who}</a></li>'
        )
    return mark_safe("\n".join(parts))  # noqa: S308 -- every value above is escaped


def _day_view(days, wanted, *, link, day_link, show_names) -> dict:
    """One day's times at a time (a phone shows a week of starts as a very long
    page): the days with free time as a strip, the chosen day's bookable
    times, and how many sooner ones are "call to book"."""
    days = [(day, entries) for day, entries in days if entries]
    counts = [sum(e["how"] == rules.BOOK for e in entries) for _, entries in days]
    bookable = [day for (day, _), count in zip(days, counts, strict=True) if count]
    chosen = next((day for day, _ in days if day.isoformat() == wanted), None)
    chosen = chosen or (bookable[0] if bookable else days[0][0] if days else None)
    entries = next((entries for day, entries in days if day == chosen), [])
    return {
        "strip": [
            {"day": day, "url": day_link(day), "count": count, "current": day == chosen}
            for (day, _), count in zip(days, counts, strict=True)
        ],
        "chosen_day": chosen,
        "slots": _time_links(entries, link=link, show_names=show_names),
        "call_count": sum(e["how"] == rules.CALL for e in entries),
    }


def _zone(location):
    return zone(location.time_zone)


def _summary(choice: Choice) -> dict:
    local = _local(choice.starts_at, choice.location)
    return {
        "date": f"{local:%A} {local.day} {local:%B %Y}",
        "time": f"{local:%H:%M}",
        "time_zone": local.tzname(),
        "service": choice.service,
        "therapist": choice.therapist,
        "any_therapist": choice.any_therapist,
    }


def _book(request, choice: Choice, **who):
    return services.online_book(
        location=choice.location,
        service=choice.service,
        therapist=choice.therapist,
        starts_at=choice.starts_at,
        any_therapist=choice.any_therapist,
        base_url=request.build_absolute_uri("/"),
        **who,
    )


def _booked(request, appointment):
    request.session[DONE_KEY] = str(appointment.pk)
    request.session.pop(PENDING_KEY, None)
    return redirect("online:done")


def _rate_limited(request):
    return render(request, "portal/rate_limited.html", status=429)


@public
@require_http_methods(["GET", "POST"])
def details(request):
    source = request.POST if request.method == "POST" else request.GET
    choice = _choice(source)
    if choice is None:
        messages.info(request, "That time is no longer offered. Pick a time from the list.")
        return redirect("online:start")
    client = session.current_client(request)
    action = request.POST.get("action") if request.method == "POST" else None
    returning = ReturningForm(request.POST if action == "returning" else None)
    new = NewClientForm(request.POST if action == "new" else None)
    problem = rules.refusal(selectors.rules_for(choice.location), choice.starts_at, timezone.now())
    status = 200
    if request.method == "POST":
        status = 400
        ip = ratelimit.client_ip(request)
        if action == "confirm" and client is not None:
            try:
                return _booked(request, _book(request, choice, client=client))
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        elif action == "returning" and returning.is_valid() and not returning.is_robot():
            kind, address = returning.cleaned_data["address"]
            if not ratelimit.code_request_allowed(ip=ip, contact=address):
                return _rate_limited(request)
            code_request_queue(kind=kind, address=address, base_url=request.build_absolute_uri("/"))
            session.remember_pending(request, address)
            request.session[PENDING_KEY] = {
                "location": choice.location.pk,
                "service": choice.service.pk,
                "slot": choice.slot,
                "any": "1" if choice.any_therapist else "",
            }
            return redirect("online:code")
        elif action == "new" and new.is_valid() and not new.is_robot():
            if not ratelimit.online_booking_allowed(ip=ip):
                return _rate_limited(request)
            try:
                appointment = _book(
                    request, choice, new_client=new.details(), answers=new.answers()
                )
            except ValidationError as exc:
                # The service's errors name its own fields (starts_at): one
                # message above the form, whatever they name.
                new.add_error(None, " ".join(exc.messages))
            else:
                return _booked(request, appointment)
        elif returning.is_robot() or new.is_robot():
            messages.error(request, "We could not take this online. Please call us to book.")
    return render(
        request,
        "portal/online/details.html",
        _context(
            choice.location,
            choice=choice,
            summary=_summary(choice),
            client=client,
            returning=returning,
            new=new,
            problem=problem,
            new_clients=choice.location.online_new_clients,
            times_url=reverse("online:times")
            + "?"
            + urlencode({"location": choice.location.pk, "service": choice.service.pk}),
        ),
        status=status,
    )


@public
@require_http_methods(["GET", "POST"])
def code(request):
    pending = request.session.get(PENDING_KEY)
    address = session.pending_address(request)
    choice = _choice(pending) if isinstance(pending, dict) else None
    if choice is None or address is None:
        return redirect("online:start")
    form = CodeForm(request.POST or None)
    context = _context(
        choice.location,
        form=form,
        address=address,
        minutes=settings.RELIEF_PORTAL_CODE_MINUTES,
        summary=_summary(choice),
    )
    if request.method == "POST":
        ip = ratelimit.client_ip(request)
        if ratelimit.failures_exceeded(ip=ip):
            return _rate_limited(request)
        if form.is_valid():
            client = code_verify(address=address, code=form.cleaned_data["code"])
            if client is not None:
                # Signing in starts a new session; the pick comes along.
                session.sign_in(request, client)
                request.session[PENDING_KEY] = pending
                return redirect(reverse("online:details") + "?" + choice.query())
            ratelimit.failure(ip=ip)
            form.add_error(
                "code",
                "That code is not right, or it can no longer be used. "
                "Check the message, or go back and ask for a new code.",
            )
        return render(request, "portal/online/code.html", context, status=400)
    return render(request, "portal/online/code.html", context)


@public
@require_GET
def done(request):
    appointment_id = request.session.get(DONE_KEY)
    appointment = (
        Appointment.objects.filter(pk=appointment_id)
        .select_related("client", "therapist", "service", "location", "online_booking")
        .first()
        if appointment_id
        else None
    )
    if appointment is None:
        return redirect("online:start")
    online = getattr(appointment, "online_booking", None)
    return render(
        request,
        "portal/online/done.html",
        _context(
            appointment.location,
            appointment=appointment,
            details=messaging.appointment_details(appointment),
            requested=appointment.status == Appointment.Status.REQUESTED,
            new_client=bool(online and online.new_client),
            signed_in=session.current_client(request) is not None,
        ),
    )


# Staff: online requests waiting for an answer.


@roles_required(Role.OWNER, Role.FRONT_DESK)
@require_GET
def requests_list(request):
    pending = selectors.pending_requests()
    return render(
        request,
        "portal/online/requests.html",
        {
            "rows": [
                {
                    "booking": booking,
                    "appointment": booking.appointment,
                    "flags": screening.flagged_labels(booking.screening),
                }
                for booking in pending
            ]
        },
    )


@roles_required(Role.OWNER, Role.FRONT_DESK)
@require_POST
def request_decide(request, appointment_id):
    booking = selectors.get_request_for_staff(appointment_id)
    appointment = booking.appointment
    action = request.POST.get("action")
    try:
        if action == "approve":
            services.request_approve(appointment=appointment, by=request.user)
            messages.success(request, f"Approved: {appointment.client} is booked.")
        elif action == "decline":
            services.request_decline(
                appointment=appointment,
                by=request.user,
                reason=request.POST.get("reason", ""),
                base_url=request.build_absolute_uri("/"),
            )
            messages.success(request, f"Declined: {appointment.client} is told, the time is free.")
        else:
            messages.error(request, "Choose approve or decline.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    if request.POST.get("back") == "appointment":
        return redirect("practice:appointment_detail", appointment_id=appointment.pk)
    return redirect("online:requests")


# The portal's reschedule (/my/appointments/<id>/reschedule/).


@client_required
@require_http_methods(["GET", "POST"])
def reschedule(request, appointment_id):
    client = request.portal_client
    appointment = get_appointment_for_client(client, appointment_id)
    details_ = messaging.appointment_details(appointment)
    option = services.change_option(appointment)
    if option == "call":
        return render(
            request,
            "portal/online/call_to_change.html",
            {"details": details_, "hours": settings.RELIEF_LATE_CANCEL_HOURS},
        )
    if option == "closed":
        messages.info(request, "This appointment can no longer be changed online.")
        return redirect("portal:home")
    location, service = appointment.location, appointment.service
    therapists = selectors.online_therapists(location, service)
    anyone = request.GET.get("anyone") == "1" or request.POST.get("anyone") == "1"
    ids = [t.pk for t in therapists] if anyone else [appointment.therapist_id]
    picked = request.POST.get("slot") or request.GET.get("slot")
    target = None
    if picked:
        try:
            therapist_id, location_id, starts_at = parse_slot(picked)
        except ValidationError:
            therapist_id = None
        therapist = next((t for t in therapists if t.pk == therapist_id), None)
        if therapist is not None and location_id == location.pk:
            target = {"therapist": therapist, "starts_at": starts_at, "slot": picked}
    if request.method == "POST" and target is not None:
        try:
            services.online_reschedule_by_client(
                client=client,
                appointment=appointment,
                therapist=target["therapist"],
                starts_at=target["starts_at"],
            )
        except services.CallToChange:
            return render(
                request,
                "portal/online/call_to_change.html",
                {"details": details_, "hours": settings.RELIEF_LATE_CANCEL_HOURS},
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            moved = Appointment.objects.select_related(
                "client", "therapist", "location", "service"
            ).get(pk=appointment.pk)
            new = messaging.appointment_details(moved)
            messages.success(
                request, f"Moved: your appointment is now on {new['date']} at {new['time']}."
            )
            return redirect("portal:home")
        target = None
    tz = _zone(location)
    today = timezone.localtime(timezone.now(), tz).date()
    policy = selectors.rules_for(location)
    first_day = parse_day(
        request.GET.get("date"),
        default=today,
        earliest=today,
        latest=today + timedelta(days=policy.horizon.days),
    )
    days, _ = selectors.online_slots(
        location=location,
        service=service,
        therapist_ids=ids,
        first_day=first_day,
        exclude_appointment=appointment,
    )
    week = timedelta(days=selectors.SEARCH_DAYS)
    base = {"anyone": "1" if anyone else ""}
    return render(
        request,
        "portal/online/reschedule.html",
        {
            "appointment": appointment,
            "details": details_,
            "anyone": anyone,
            "several": len(therapists) > 1,
            "target": target,
            "target_local": _local(target["starts_at"], location) if target else None,
            **_day_view(
                [
                    (
                        day,
                        [
                            e
                            for e in entries
                            # Its own time is free to itself, but is no move.
                            if e["slot"].starts_at != appointment.starts_at
                            or e["slot"].therapist_id != appointment.therapist_id
                        ],
                    )
                    for day, entries in days
                ],
                request.GET.get("day"),
                link=_slot_link("", base, {}),
                show_names=anyone,
                day_link=lambda day: (
                    "?" + urlencode({**base, "date": first_day.isoformat(), "day": day.isoformat()})
                ),
            ),
            "first_day": first_day,
            "earlier_url": (
                "?" + urlencode({**base, "date": max(today, first_day - week).isoformat()})
                if first_day > today
                else ""
            ),
            "later_url": (
                "?" + urlencode({**base, "date": (first_day + week).isoformat()})
                if first_day + week <= today + timedelta(days=policy.horizon.days)
                else ""
            ),
            "practice_phone": details_["practice_phone"],
        },
    )
