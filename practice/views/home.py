from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from billing import selectors as billing_selectors
from practice import calendar, health, selectors
from practice.security.access import Role, public, roles_of, staff_required
from practice.timezones import practice_locations
from practice.views.desk import desk_location, desk_scope, render_region


@staff_required
@require_GET
def home(request):
    """Each role's landing page: today's appointments, scoped to the role.

    A therapist sees their own day at every location; the desk and the owner
    see one location (remembered), beyond `calendar.GROUP_SIZE` therapists
    there one group of them (or those working now), and of their day the
    next hours unless asked for all of it (?day=all, swapped in by htmx)."""
    now = timezone.now()
    roles = roles_of(request.user)
    own_only = roles == {Role.THERAPIST}
    money = {}
    if own_only:
        locations = practice_locations()
        location = locations[0] if locations else None
        # Read only here: the desk has no therapist profile to look up.
        therapist = getattr(request.user, "therapist", None)
        appointments = []
        if therapist is not None:
            appointments = selectors.appointments_today(
                locations=locations, now=now, therapist=therapist
            )
        context = {"several_locations": len(locations) > 1, "show_location": len(locations) > 1}
    else:
        choice = desk_location(request)
        location, locations = choice.location, choice.locations
        scope = None
        appointments = []
        if location is not None:
            day = timezone.localtime(now, ZoneInfo(location.time_zone)).date()
            scope = desk_scope(request, choice, day=day, now=now)
            appointments = selectors.appointments_today(
                locations=[location], now=now, therapist_ids=scope.therapist_ids
            )
        # The desk checks clients out from here and sees who still owes money.
        # Billing is read for the whole day (two queries, whatever its length)
        # so that an earlier visit still to check out stays in the window.
        money = (
            billing_selectors.day_list_billing(appointments)
            if billing_selectors.may_bill(request.user)
            else {}
        )
        keep = selectors.still_to_check_out(appointments, money)
        window = calendar.today_window(appointments, now, keep=keep)
        whole_day = request.GET.get("day") == "all"
        day_total = len(appointments)
        if not whole_day:
            appointments = window.shown
        scope_query = {"location": location.pk} if location else {}
        if scope and scope.group is not None:
            scope_query["group"] = scope.group.key
        context = {
            "several_locations": len(locations) > 1,
            "locations": locations,
            "groups": scope.groups if scope else [],
            "group": scope.group if scope else None,
            "therapist_count": len(scope.roster.therapists) if scope else 0,
            "whole_day": whole_day,
            "window": window,
            "day_total": day_total,
            "scope_query": urlencode(scope_query),
            "window_label": calendar.TODAY_WINDOW_LABEL,
        }
    tz = ZoneInfo(location.time_zone) if location else ZoneInfo(settings.TIME_ZONE)
    context.update(
        {
            "today": timezone.localtime(now, tz).date(),
            "location": location,
            "appointments": appointments,
            "rows": [(a, money.get(a.pk)) for a in appointments],
            "currency": settings.RELIEF_CURRENCY,
            "own_only": own_only,
        }
    )
    return render_region(request, "practice/home.html", "practice/_today_list.html", context)


@public
@never_cache
@require_GET
def healthz(request):
    checks = {"database": health.database_ok(), "broker": health.broker_ok()}
    ok = all(checks.values())
    body = {"status": "ok" if ok else "unavailable"}
    body.update({name: "ok" if good else "down" for name, good in checks.items()})
    return JsonResponse(body, status=200 if ok else 503)


@public
@require_GET
def bench_floor(request):
    """The benchmark floor: the full middleware stack and nothing else.

    Mounted only when RELIEF_BENCH_FLOOR is on (see practice/urls.py).
    """
    return HttpResponse("floor", content_type="text/plain")
