"""Day and week calendars. Date navigation swaps the #calendar region via htmx;
so does a move made on the day calendar (drag or keyboard)."""

from datetime import date, timedelta
from urllib.parse import urlencode
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from practice import selectors, services
from practice.forms import CalendarMoveForm
from practice.models import Therapist
from practice.security.access import Role, roles_of, staff_required
from practice.validation import booking_window
from practice.validation import parse_day as parse_query_day
from practice.views.appointments import appointment_action
from practice.views.desk import desk_location, desk_scope, render_region


def parse_day(value, tz) -> date:
    """?date=YYYY-MM-DD inside the booking window, or today in the location's time zone."""
    today = timezone.localtime(timezone.now(), tz).date()
    earliest, latest = booking_window(today, settings.RELIEF_BOOKING_HORIZON_DAYS)
    return parse_query_day(value, default=today, earliest=earliest, latest=latest)


def _locations(request):
    """All locations and the one to show (?location=, else the user's last, else the first)."""
    choice = desk_location(request)
    return choice.locations, choice.location


def _no_location(request):
    return render(request, "practice/calendar_empty.html", status=200)


def _move_url_pattern():
    """The move URL with a zero id, which calendar.js replaces by the dragged
    appointment's: one reverse() however many appointments the day holds."""
    return reverse("practice:appointment_move", args=[UUID(int=0)])


def _day_context(request, *, choice, day, by_room, showing=None):
    """What the day calendar shows; with therapist columns, what a click, a drag
    or a keyboard move on it needs (the server checks each move again)."""
    location = choice.location
    tz = ZoneInfo(location.time_zone)
    scope = desk_scope(request, choice, day=day, showing=showing)
    grid, cancelled = selectors.calendar_day(
        day=day,
        location=location,
        by_room=by_room,
        roster=scope.roster,
        therapist_ids=scope.therapist_ids,
    )
    can_book = selectors.can_book(request.user)
    scope_query = {"location": location.pk}
    if scope.group is not None:
        scope_query["group"] = scope.group.key
    return {
        "scope_query": urlencode(scope_query),
        "groups": scope.groups,
        "group": scope.group,
        "therapist_count": len(scope.roster.therapists),
        "locations": choice.locations,
        "location": location,
        "day": day,
        "today": timezone.localtime(timezone.now(), tz).date(),
        "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1),
        "view": "rooms" if by_room else "therapists",
        "by_room": by_room,
        "user_is_owner": Role.OWNER in roles_of(request.user),
        "grid": grid,
        "cancelled": cancelled,
        "can_book": can_book,
        # Rooms are not dragged between: a move picks its room itself.
        "book_on_click": can_book and not by_room,
        "movable": set() if by_room else selectors.movable_on_grid(request.user, grid),
        # Bookers move to any therapist's column, a therapist within their own.
        "move_anywhere": can_book,
        "move_url": _move_url_pattern(),
        "day_columns": not by_room,
    }


@staff_required
@require_GET
def calendar_day(request):
    choice = desk_location(request)
    if choice.location is None:
        return _no_location(request)
    tz = ZoneInfo(choice.location.time_zone)
    day = parse_day(request.GET.get("date"), tz)
    by_room = request.GET.get("view") == "rooms"
    context = _day_context(request, choice=choice, day=day, by_room=by_room)
    return render_region(
        request, "practice/calendar_day.html", "practice/_calendar_day.html", context
    )


@staff_required
@appointment_action
def appointment_move(request, appointment):
    """A drag or a keyboard move on the day calendar: the reschedule service,
    answered with the refreshed calendar region, saying what happened."""
    location = appointment.location
    tz = ZoneInfo(location.time_zone)
    form = CalendarMoveForm(request.POST, location=location)
    day = timezone.localtime(appointment.starts_at, tz).date()
    done = problem = ""
    showing = appointment.therapist_id
    if not form.is_valid():
        problem = " ".join(m for errors in form.errors.values() for m in errors)
    else:
        therapist, starts_at = form.cleaned_data["therapist"], form.cleaned_data["starts_at"]
        day = timezone.localtime(starts_at, tz).date()
        if therapist.pk != appointment.therapist_id and not selectors.can_book(request.user):
            # Moving to another therapist is a booking for someone else.
            problem = "Only the front desk can move an appointment to another therapist."
        else:
            try:
                moved = services.appointment_reschedule(
                    appointment=appointment,
                    starts_at=starts_at,
                    therapist=therapist,
                    by=request.user,
                )
            except ValidationError as exc:
                problem = " ".join(exc.messages)
            else:
                client, showing = moved.client, moved.therapist_id
                local = timezone.localtime(moved.starts_at, tz)
                done = (
                    f"Moved {client.first_name_to_use} {client.last_name[:1]}. to "
                    f"{local:%H:%M} with {moved.therapist}; reminders follow the new time."
                )
    if problem:
        problem = f"Not moved: {problem}"
    choice = desk_location(request, remember=False)
    choice.location = location
    context = _day_context(request, choice=choice, day=day, by_room=False, showing=showing)
    context.update({"move_done": done, "move_problem": problem, "moved_id": appointment.pk})
    return render_region(
        request, "practice/calendar_day.html", "practice/_calendar_day.html", context
    )


@staff_required
@require_GET
def calendar_week(request):
    locations, location = _locations(request)
    if location is None:
        return _no_location(request)
    tz = ZoneInfo(location.time_zone)
    day = parse_day(request.GET.get("date"), tz)
    first_day = day - timedelta(days=day.weekday())
    therapists = list(Therapist.objects.filter(active=True).order_by("display_name", "pk"))
    chosen = request.GET.get("therapist", "")
    therapist = next((t for t in therapists if str(t.pk) == chosen), None)
    if therapist is None:
        own = selectors.own_therapist(request.user)
        therapist = own if own in therapists else (therapists[0] if therapists else None)
    grid = cancelled = None
    if therapist is not None:
        grid, cancelled = selectors.calendar_week(
            first_day=first_day, therapist=therapist, location=location
        )
    context = {
        "locations": locations,
        "location": location,
        "day": day,
        "first_day": first_day,
        "last_day": first_day + timedelta(days=6),
        "today": timezone.localtime(timezone.now(), tz).date(),
        "previous": first_day - timedelta(days=7),
        "next": first_day + timedelta(days=7),
        "therapists": therapists,
        "therapist": therapist,
        "grid": grid,
        "cancelled": cancelled,
        "can_book": selectors.can_book(request.user),
    }
    return render_region(
        request, "practice/calendar_week.html", "practice/_calendar_week.html", context
    )
