"""Online booking reads: what a location offers online and its free times.

The slot search is the front desk's (`practice.selectors.load_schedule` and
`practice.availability`), narrowed to the therapists and services bookable
online and to the location's online rules; a fixed number of queries whatever
the data.
"""

from datetime import timedelta
from functools import partial
from itertools import groupby

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from portal.models import OnlineBooking
from practice import availability
from practice import selectors as practice_selectors
from practice.models import Appointment, Location, Service, Therapist
from practice.validation import parse_id

from .rules import BOOK, OnlineRules, bookable_window, how_bookable_in

SEARCH_DAYS = 7


def rules_for(location: Location) -> OnlineRules:
    return OnlineRules(
        min_notice=timedelta(minutes=location.online_min_notice_minutes),
        horizon=timedelta(days=location.online_horizon_days),
        same_day=location.online_same_day,
        max_upcoming=location.online_max_upcoming,
        new_clients=location.online_new_clients,
        request_hold=timedelta(hours=location.online_request_hours),
        time_zone=location.time_zone,
    )


def online_locations() -> list[Location]:
    return list(Location.objects.filter(online_booking=True).order_by("name", "pk"))


def online_location(value=None) -> Location | None:
    """The location `value` names if it books online, else the first that does."""
    locations = online_locations()
    wanted = parse_id(value)
    return next((loc for loc in locations if loc.pk == wanted), locations[0] if locations else None)


def _online_therapists(location: Location):
    # Working here at all: a therapist with no hours at this location has nothing to offer.
    return Therapist.objects.filter(
        active=True, bookable_online=True, working_hours__location=location
    ).distinct()


def online_services(location: Location) -> list[Service]:
    """Services offered online here: bookable online and done by someone who is."""
    return list(
        Service.objects.filter(
            active=True,
            bookable_online=True,
            therapists__in=_online_therapists(location),
        )
        .distinct()
        .order_by("name")
    )


def online_service_shifts(
    location: Location, value
) -> tuple[Service, availability.Schedule] | None:
    """The service `value` names and its `online_shifts` here, if it is offered
    online here: bookable online, and done by someone bookable online who works
    here, which is what the shifts are. Two queries; the service's own is a
    plain row read (its join through the online therapists and DISTINCT cost
    twice the CPU, and the shifts answer the same question)."""
    service_id = parse_id(value)
    if service_id is None:
        return None
    service = Service.objects.filter(pk=service_id, active=True, bookable_online=True).first()
    if service is None:
        return None
    shifts = online_shifts(location, service)
    return (service, shifts) if shifts.therapists else None


def online_therapists(location: Location, service: Service) -> list[Therapist]:
    return list(_online_therapists(location).filter(services=service).order_by("display_name"))


def online_pick(location: Location, service_id, therapist_id) -> tuple[Service, Therapist] | None:
    """The service and therapist of a picked time if that therapist offers that
    service online here (so the service is offered online here too): both rows
    in one query, through the pair's row in the therapist's services."""
    service_id, therapist_id = parse_id(service_id), parse_id(therapist_id)
    if service_id is None or therapist_id is None:
        return None
    pair = (
        Therapist.services.through.objects.filter(
            service_id=service_id,
            service__active=True,
            service__bookable_online=True,
            therapist_id=therapist_id,
            therapist__in=_online_therapists(location),
        )
        .select_related("service", "therapist")
        .first()
    )
    return (pair.service, pair.therapist) if pair else None


def online_shifts(location: Location, service: Service) -> availability.Schedule:
    """The shifts here of the therapists who offer `service` online, with their
    names in display order: the therapists a client chooses from, too. One query."""
    return practice_selectors.load_shifts(
        service=service, location_id=location.pk, online_only=True
    )


def _search(*, location, service, shifts, therapist_ids, day_list, now, exclude_appointment=None):
    """The schedule of `therapist_ids` at this location over `day_list` (their
    bookings and time off: two queries), and the online search's rules."""
    rules = rules_for(location)
    wanted = set(therapist_ids)
    start, end = practice_selectors._range_around(day_list[0], day_list[-1])
    # Only this location's shifts (a therapist working elsewhere that day is
    # not free here), of the therapists asked for.
    schedule = availability.Schedule(
        therapists={tid: name for tid, name in shifts.therapists.items() if tid in wanted},
        shifts=[s for s in shifts.shifts if s.therapist_id in wanted],
        time_zones=shifts.time_zones,
        compact=shifts.compact,
    )
    practice_selectors.load_busy(
        schedule,
        service=service,
        start=start,
        end=end,
        therapist_ids=list(schedule.therapists),
        exclude_appointment=exclude_appointment,
        location_id=location.pk,
    )
    search_rules = practice_selectors.booking_rules(service=service, now=now)
    search_rules = availability.Rules(
        duration=search_rules.duration,
        buffer=search_rules.buffer,
        needs_room=search_rules.needs_room,
        now=now,
        horizon=rules.horizon,
        # Free times inside the notice are shown too, as "call to book".
        min_notice=timedelta(0),
        step=search_rules.step,
    )
    return schedule, search_rules


def online_slots(
    *,
    location,
    service,
    therapist_ids,
    first_day,
    now=None,
    days=SEARCH_DAYS,
    exclude_appointment=None,
    shifts=None,
):
    """Free starts over `days` local days, each marked BOOK or CALL.

    Returns [(day, [{"slot", "how", "name"}...])] for days with any time, and
    the therapists' names. With several therapists each start goes to one of
    them, spread fairly as at the front desk. `shifts`: the location's
    `online_shifts`, when the caller already has them. Three queries (two with
    `shifts`), whatever the data.
    """
    now = now or timezone.now()
    if shifts is None:
        shifts = online_shifts(location, service)
    day_list = [first_day + timedelta(days=n) for n in range(days)]
    schedule, search_rules = _search(
        location=location,
        service=service,
        shifts=shifts,
        therapist_ids=therapist_ids,
        day_list=day_list,
        now=now,
        exclude_appointment=exclude_appointment,
    )
    slots = availability.free_slots(schedule, search_rules, day_list)
    order = {tid: n for n, tid in enumerate(schedule.therapists)}
    if len(schedule.therapists) > 1:
        loads = availability.bookings_per_day(schedule)
        slots = availability.spread_per_start(slots, loads, order, None)
    names = schedule.therapists
    # The window once, not per start: every start of the search shares it.
    how = partial(how_bookable_in, bookable_window(rules_for(location), now))
    grouped = []
    for day, day_slots in groupby(slots, key=lambda s: s.local.date()):
        entries = [
            {"slot": slot, "how": verdict, "name": names.get(slot.therapist_id)}
            for slot in day_slots
            if (verdict := how(slot.starts_at)) is not None
        ]
        if entries:
            grouped.append((day, entries))
    return grouped, names


def online_free_at(*, location, service, starts_at, now=None) -> list[int]:
    """The therapists who offer `service` online here and are free to start it
    exactly at `starts_at`, the least booked that day first: where an "anyone"
    booking goes when the offered therapist was just taken. Three queries.

    Only this location's online therapists, and of them only those working
    here that weekday have their bookings read: a chain's other locations,
    and colleagues off that day, cannot take it (the desk's `therapists_free_at`
    read the whole practice's day).
    """
    now = now or timezone.now()
    shifts = online_shifts(location, service)
    day = starts_at.astimezone(availability.zone(location.time_zone)).date()
    working = {shift.therapist_id for shift in shifts.shifts if shift.weekday == day.weekday()}
    if not working:
        return []
    schedule, search_rules = _search(
        location=location,
        service=service,
        shifts=shifts,
        therapist_ids=working,
        day_list=[day],
        now=now,
    )
    free = [
        slot.therapist_id
        for slot in availability.free_slots(schedule, search_rules, [day])
        if slot.starts_at == starts_at
    ]
    loads = availability.bookings_per_day(schedule)
    order = {tid: n for n, tid in enumerate(schedule.therapists)}
    tz_name = location.time_zone
    return sorted(free, key=lambda tid: (loads.get((tid, tz_name, day), 0), order[tid]))


def has_bookable(grouped) -> bool:
    return any(entry["how"] == BOOK for _, entries in grouped for entry in entries)


def upcoming_count(client, *, now=None) -> int:
    """The client's future bookings and requests, which the per-client limit counts."""
    now = now or timezone.now()
    return client.appointments.filter(
        starts_at__gt=now,
        status__in=[
            Appointment.Status.REQUESTED,
            Appointment.Status.BOOKED,
            Appointment.Status.CONFIRMED,
        ],
    ).count()


def pending_requests(*, now=None) -> list[OnlineBooking]:
    """Requests waiting for staff, soonest deadline first, for the staff list."""
    return list(
        OnlineBooking.objects.filter(
            decision=OnlineBooking.Decision.PENDING,
            appointment__status=Appointment.Status.REQUESTED,
        )
        .select_related(
            "appointment__client",
            "appointment__therapist",
            "appointment__service",
            "appointment__location",
        )
        .order_by("expires_at", "pk")[:200]
    )


def get_request_for_staff(appointment_id) -> OnlineBooking:
    booking = (
        OnlineBooking.objects.filter(appointment_id=appointment_id)
        .select_related("appointment__client", "appointment__location")
        .first()
    )
    if booking is None:
        raise Http404
    return booking


def expired_requests(*, now=None):
    now = now or timezone.now()
    return OnlineBooking.objects.filter(
        Q(expires_at__lte=now) | Q(appointment__starts_at__lte=now),
        decision=OnlineBooking.Decision.PENDING,
    )
