"""Front-desk booking: client search, slot picker, single and recurring bookings."""

from datetime import UTC, time, timedelta
from html import escape
from itertools import groupby, islice
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from clients.selectors import client_search, clients_visible_to
from practice import selectors, services
from practice.availability import wall_clock_instants
from practice.forms import BookingForm, parse_slot
from practice.models import Location, Service, Therapist
from practice.security.access import staff_required
from practice.timezones import several_zones_in_use
from practice.validation import booking_window, parse_day, parse_id
from practice.views.desk import desk_location

# Search two weeks ahead; show the first few days that have free times.
SEARCH_DAYS = 14
SHOWN_DAYS = 3

# Service errors keyed by model field, shown on the booking form's fields.
FIELD_OF_ERROR = {
    "starts_at": "slot",
    "room": "slot",
    "therapist": "therapist",
    "service": "service",
    "first_name": "new_first_name",
    "last_name": "new_last_name",
    "phone": "new_phone",
    "email": "new_email",
}


def _require_booker(user):
    if not selectors.can_book(user):
        raise Http404


def _location_tz(request):
    """The desk's location (remembered per user, else the first), its zone, and
    where an "any therapist" search looks: that location when there are several."""
    choice = desk_location(request, remember=False)
    location = choice.location
    tz = ZoneInfo(location.time_zone if location else settings.TIME_ZONE)
    return location, tz, location if len(choice.locations) > 1 else None


def add_service_errors(form, exc: ValidationError, mapping=FIELD_OF_ERROR):
    """Put a service's ValidationError on the form's matching fields."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            field = mapping.get(key)
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        form.add_error(None, exc)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _wanted_label(selected, tz) -> str:
    """The chosen time of a slot kept until a service is picked ("" for none)."""
    if not selected:
        return ""
    try:
        _, _, starts_at = parse_slot(selected)
    except ValidationError:
        return ""
    return f"{timezone.localtime(starts_at, tz):%a %d %b %H:%M}"


def slot_picker_context(
    *,
    service_id,
    therapist_id,
    day_value,
    selected,
    tz,
    client_id=None,
    moving=None,
    location=None,
    named_too=False,
):
    """Free slots grouped by local day, for the picker partial.

    `client_id`: whose usual therapist an "any therapist" search offers first.
    `moving`: the appointment being rescheduled (its own time counts as free).
    `location`: where an "any therapist" search looks (a chain's desk books
    for its own location; a named therapist is searched wherever they work,
    unless `named_too`: a move stays at its appointment's location).
    """
    service_id, therapist_id = _int(service_id), _int(therapist_id)
    service_id, therapist_id = parse_id(service_id), parse_id(therapist_id)
    service = Service.objects.filter(pk=service_id, active=True).first() if service_id else None
    context = {
        "selected": selected or "",
        "service": service,
        "days": [],
        "picker_url": reverse("practice:book_slots"),
    }
    if service is None:
        context["wanted"] = _wanted_label(selected, tz)
        return context
    therapist = None
    if therapist_id:
        therapist = Therapist.objects.filter(pk=therapist_id, active=True).first()
        if therapist is None:
            return context
    today = timezone.localtime(timezone.now(), tz).date()
    _, latest = booking_window(today, settings.RELIEF_BOOKING_HORIZON_DAYS)
    first_day = parse_day(day_value, default=today, earliest=today, latest=latest)
    preferred = None
    if therapist is None and client_id:
        try:
            preferred = selectors.usual_therapist_id(client_id)
        except (ValueError, ValidationError):
            preferred = None
    slots, names = selectors.available_slots(
        service=service,
        first_day=first_day,
        days=SEARCH_DAYS,
        therapist=therapist,
        enough_days=SHOWN_DAYS,
        preferred_therapist_id=preferred,
        exclude_appointment=moving,
        location_id=location.pk if location is not None and (named_too or not therapist) else None,
    )
    name_zone = several_zones_in_use()
    days = [
        (
            day,
            [_slot_button(slot, f"slot-{d}-{n}", name_zone, names) for n, slot in enumerate(ds, 1)],
        )
        for d, (day, ds) in enumerate(
            islice(groupby(slots, key=lambda s: s.local.date()), SHOWN_DAYS), 1
        )
    ]
    selected = selected or ""
    shown = [
        (day, _slot_buttons(buttons, selected, any_therapist=therapist is None))
        for day, buttons in days
    ]
    context.update(
        {
            "first_day": first_day,
            "search_days": SEARCH_DAYS,
            "later": (days[-1][0] if days else first_day) + timedelta(days=1),
            "therapist_id": therapist.pk if therapist else "",
            "any_therapist": therapist is None,
            "any_at": location.name if location and not therapist and not named_too else "",
            "days": shown,
            "selected_listed": any(b[0] == selected for _, day in days for b in day),
        }
    )
    return context


def _slot_button(slot, element_id, name_zone, names):
    return (slot.value, element_id, slot.clock(name_zone=name_zone), names.get(slot.therapist_id))


def _slot_buttons(buttons, selected, *, any_therapist) -> str:
    """A day's slot buttons as one fragment: a picker shows a hundred or more,
    and a template loop with its variable lookups per button was most of the
    picker's render time. Escaped with the standard library's `escape` (Django's
    `conditional_escape` checks each argument for lazy strings first, which
    cost more than the escaping), each therapist's name once."""
    parts = []
    who_of: dict = {}
    for value, element_id, clock, name in buttons:
        checked = " checked" if value == selected else ""
        who = ""
        if any_therapist:
            who = who_of.get(name)
            if who is None:
                who = who_of[name] = (
                    '<span class="slot-therapist small"><span class="visually-hidden"> with </span>'
                    f"{escape(str(name))}</span>"
                )
        parts.append(
            f'<input class="btn-check" type="radio" name="slot" id="{element_id}"'
            f' value="{escape(value)}"{checked}>'
            f'<label class="btn btn-outline-primary btn-sm" for="{element_id}">'
            f"{escape(clock)}{who}</label>"
        )
    return mark_safe("\n".join(parts))  # noqa: S308 -- every value above is escaped


def _wanted_slot(request, location, day):
    """The slot the day calendar was clicked at: `?slot=` as the picker writes
    it, or `?time=HH:MM` with the therapist, date and location on that
    location's clock. The picker checks it when it is free ("" for none)."""
    if request.GET.get("slot"):
        return request.GET["slot"]
    therapist_id = parse_id(request.GET.get("therapist"))
    location_id = parse_id(request.GET.get("location")) or (location.pk if location else None)
    try:
        wall = time.fromisoformat(request.GET.get("time") or "")
    except ValueError:
        return ""
    if therapist_id is None or location_id is None:
        return ""
    if location is None or location.pk != location_id:
        location = Location.objects.filter(pk=location_id).first()
        if location is None:
            return ""
    # The first of a repeated hour, as a typed time is read everywhere else.
    instants = wall_clock_instants(day, wall, ZoneInfo(location.time_zone))
    if not instants:
        return ""
    return f"{therapist_id}|{location.pk}|{instants[0].astimezone(UTC):%Y-%m-%dT%H:%M}"


def _initial(request, location, tz):
    today = timezone.localtime(timezone.now(), tz).date()
    initial = {"date": request.GET.get("date") or today, "repeat_weeks": 0, "occurrences": 6}
    for name in ("service", "therapist", "client"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    _, latest = booking_window(today, settings.RELIEF_BOOKING_HORIZON_DAYS)
    day = parse_day(request.GET.get("date"), default=today, earliest=today, latest=latest)
    slot = _wanted_slot(request, location, day)
    if slot:
        initial["slot"] = slot
    return initial


def _selected_client(request, form):
    pk = form.data.get("client") if form.is_bound else form.initial.get("client")
    if not pk:
        return None
    try:
        return clients_visible_to(request.user).filter(pk=pk).first()
    except (ValueError, ValidationError):
        return None


@staff_required
@require_http_methods(["GET", "POST"])
def book(request):
    _require_booker(request.user)
    plan = None
    if request.method == "POST":
        form = BookingForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            therapist, starts_at = data["booked_therapist"], data["starts_at"]
            starts = [starts_at]
            if data["repeat_weeks"]:
                plan = services.appointment_series_plan(
                    therapist=therapist,
                    service=data["service"],
                    first_starts_at=starts_at,
                    every_weeks=data["repeat_weeks"],
                    count=data["occurrences"],
                    location=data["location"],
                )
                starts = [when for when, problem in plan if problem is None]
            if data["repeat_weeks"] and not data["confirm_series"]:
                pass  # show the preview; nothing is booked until confirmed
            elif not starts:
                form.add_error(None, "None of the dates is free; change the time or therapist.")
            else:
                try:
                    booked, skipped = services.appointment_book_from_desk(
                        client=data["client"],
                        new_client=None
                        if data["client"]
                        else {
                            "first_name": data["new_first_name"],
                            "last_name": data["new_last_name"],
                            "phone": data["new_phone"],
                            "email": data["new_email"],
                        },
                        therapist=therapist,
                        service=data["service"],
                        location=data["location"],
                        starts=starts,
                        booked_by=request.user,
                        any_therapist=data["therapist"] is None,
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                    plan = None
                else:
                    return _booked(request, booked, skipped, plan)
        # Read only to show the form again: a booking made needs none of it.
        location, tz, search_at = _location_tz(request)
    else:
        location, tz, search_at = _location_tz(request)
        form = BookingForm(initial=_initial(request, location, tz), user=request.user)
    value = (form.data if form.is_bound else form.initial).get
    slots = slot_picker_context(
        service_id=value("service"),
        therapist_id=value("therapist"),
        day_value=str(value("date") or ""),
        selected=value("slot"),
        tz=tz,
        client_id=value("client"),
        location=search_at,
    )
    return render(
        request,
        "practice/book.html",
        {
            "form": form,
            "location": location,
            "selected_client": _selected_client(request, form),
            "plan": plan,
            "plan_time_zone": form.cleaned_data["location"].time_zone if plan else None,
            "free_count": sum(1 for _, problem in plan or () if problem is None),
            **slots,
        },
        status=200,
    )


def _booked(request, booked, skipped, plan):
    first = booked[0]
    tz = ZoneInfo(first.location.time_zone)
    local = timezone.localtime(first.starts_at, tz)
    when = f"{local:%a %d %b %H:%M}"
    if len(booked) == 1 and not plan:
        messages.success(
            request, f"Booked {first.client} with {first.therapist} on {when} ({first.service})."
        )
    else:
        text = f"Booked {len(booked)} appointments for {first.client} from {when}."
        skipped_all = [(w, p) for w, p in plan or () if p] + list(skipped)
        if skipped_all:
            dates = ", ".join(f"{timezone.localtime(w, tz):%d %b}" for w, _ in skipped_all)
            text += f" Not booked: {dates}."
        messages.success(request, text)
    calendar = reverse("practice:calendar_day")
    return redirect(f"{calendar}?date={local:%Y-%m-%d}&location={first.location_id}")


@staff_required
@require_GET
def book_slots(request):
    """The slot picker region, refreshed when service, therapist or date change."""
    _require_booker(request.user)
    _, tz, search_at = _location_tz(request)
    context = slot_picker_context(
        service_id=request.GET.get("service"),
        therapist_id=request.GET.get("therapist"),
        day_value=request.GET.get("date"),
        selected=request.GET.get("slot"),
        tz=tz,
        client_id=request.GET.get("client"),
        location=search_at,
    )
    return render(request, "practice/_slot_picker.html", context)


@staff_required
@require_GET
def book_clients(request):
    """Search-as-you-type results: a radio per matching client."""
    _require_booker(request.user)
    query = request.GET.get("q", "")
    results = list(client_search(user=request.user, query=query, limit=10))
    return render(request, "practice/_client_results.html", {"results": results, "query": query})
