"""Free slots and booking rules as pure interval arithmetic.

Nothing here touches the database: `practice.selectors.load_schedule` fetches a
`Schedule` for a whole date range and all candidate therapists in a handful of
set-based queries, and these functions do the rest in Python. Slots are laid
out on the wall clock of each location's time zone, so a 09:00 shift starts at
09:00 local time on both daylight-saving change days.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


# Shifts and busy times are tuples: a search builds hundreds of each from
# query rows, and a frozen dataclass costs several times a tuple to make.
class Shift(NamedTuple):
    """One working-hours row: a therapist works `start`-`end` local time on `weekday`."""

    therapist_id: int
    location_id: int
    time_zone: str
    weekday: int
    start: time
    end: time


class Busy(NamedTuple):
    """Time a therapist cannot take a booking: an appointment (with buffer) or time off."""

    start: datetime
    end: datetime
    kind: str  # "appointment" or "time_off"


@dataclass
class Schedule:
    """Everything the slot search needs for one date range, as plain data."""

    therapists: dict[int, str]  # id -> display name, in display order
    shifts: list[Shift]
    busy: dict[int, list[Busy]] = field(default_factory=dict)
    rooms: dict[int, list[int]] = field(default_factory=dict)  # location -> active rooms
    room_busy: dict[int, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    time_zones: dict[int, str] = field(default_factory=dict)  # location -> IANA name
    compact: set[int] = field(default_factory=set)  # therapists offering compact slots


@dataclass(frozen=True)
class Rules:
    """What is being booked and the practice's booking window."""

    duration: timedelta
    buffer: timedelta
    needs_room: bool
    now: datetime
    horizon: timedelta
    min_notice: timedelta = timedelta(0)
    step: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # aware, UTC
    therapist_id: int
    location_id: int
    time_zone: str

    # Cached on the instance (a frozen dataclass still has a __dict__): the
    # picker asks each slot for its local day four or five times.
    @cached_property
    def local(self) -> datetime:
        return self.starts_at.astimezone(zone(self.time_zone))

    @property
    def wall_time(self) -> str:
        """ "09:00" on the location's clock, whatever time zone is active; "01:30 EST"
        in the hour the clock shows twice, so its two occurrences can be told apart."""
        return self.clock()

    def clock(self, *, name_zone: bool = False) -> str:
        local = self.local
        return f"{local:%H:%M}{zone_label(local, name_zone=name_zone)}"

    @property
    def value(self) -> str:
        """The slot as one form value: therapist, location and UTC start."""
        return f"{self.therapist_id}|{self.location_id}|{self.starts_at:%Y-%m-%dT%H:%M}"


def overlaps(start_a, end_a, start_b, end_b) -> bool:
    """Half-open intervals [a) and [b) share time (touching ends do not)."""
    return start_a < end_b and start_b < end_a


# Cached: a 14-day search for 25 therapists asks for the same few hundred
# wall-clock times of the same days over and over.
@lru_cache(maxsize=8192)
def wall_clock_instants(day: date, wall: time, tz: ZoneInfo) -> tuple[datetime, ...]:
    """The UTC instants at which the clock of `tz` reads `wall` on `day`, earliest
    first: none when the clock skips it (02:30 on a spring-forward night), two
    when it shows it twice (01:30 on a fall-back night), else one."""
    found = []
    for fold in (0, 1):
        aware = datetime.combine(day, wall, tzinfo=tz).replace(fold=fold)
        in_utc = aware.astimezone(UTC)
        shown = in_utc.astimezone(tz).replace(tzinfo=None)
        if shown == aware.replace(tzinfo=None) and in_utc not in found:
            found.append(in_utc)
    return tuple(sorted(found))


def is_repeated(local: datetime) -> bool:
    """The clock of `local`'s zone shows this wall time twice that day."""
    wall = local.replace(tzinfo=None)
    return len(wall_clock_instants(wall.date(), wall.time(), local.tzinfo)) == 2


def zone_label(local: datetime, *, name_zone: bool) -> str:
    """ " BST" after a wall time where a reader needs the zone: the practice has
    locations in several zones (`name_zone`), or the clock shows this time
    twice that night (the abbreviation tells the two apart)."""
    return f" {local.tzname()}" if name_zone or is_repeated(local) else ""


def _local_window(day: date, start: time, end: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    # A shift edge inside a skipped hour starts at the first real minute after
    # it; one inside a repeated hour is its first occurrence.
    return (
        datetime.combine(day, start, tzinfo=tz).astimezone(UTC),
        datetime.combine(day, end, tzinfo=tz).astimezone(UTC),
    )


def _shift_bounds(shift: Shift, day: date) -> tuple[datetime, datetime]:
    return _local_window(day, shift.start, shift.end, zone(shift.time_zone))


def _wall_times(start: time, end: time, step: timedelta) -> Iterator[time]:
    minutes = start.hour * 60 + start.minute
    step_minutes = max(1, int(step.total_seconds() // 60))
    # Align to the grid of the day (09:10 shift start -> first slot 09:15).
    minutes += -minutes % step_minutes
    end_minutes = end.hour * 60 + end.minute
    while minutes < end_minutes:
        yield time(minutes // 60, minutes % 60)
        minutes += step_minutes


@lru_cache(maxsize=4096)
def _shift_starts(day: date, start: time, end: time, step_minutes: int, tz_name: str):
    """A shift's grid of starts on `day`, in UTC and ascending; cached because
    every search asks for the same days.

    Wall times the clock skips are left out. Wall times it shows twice (the
    hour the clocks go back) are offered at both instants: the second 01:15 is
    as real and as free as the first. Slot values carry the UTC instant, the
    booking service takes it as is, and labels and .ics files name the zone
    (EDT / EST) or write UTC for these times, so each books and shows as itself.
    """
    tz = zone(tz_name)
    window_start, window_end = _local_window(day, start, end, tz)
    starts = []
    for wall in _wall_times(start, end, timedelta(minutes=step_minutes)):
        starts += [
            at for at in wall_clock_instants(day, wall, tz) if window_start <= at < window_end
        ]
    return tuple(sorted(starts))


def _busy_index(items):
    """A therapist's busy times sorted by start, with the running maximum of their ends."""
    ordered = sorted(items)  # by start, then end
    running, latest = [], None
    for b in ordered:
        latest = b.end if latest is None or b.end > latest else latest
        running.append(latest)
    return ordered, [b.start for b in ordered], running


def _within(index, start, end):
    """The busy times meeting [start, end), found as `_clear` does (no full scan per day)."""
    ordered, starts, running = index
    found = []
    i = bisect_left(starts, end) - 1
    while i >= 0 and running[i] > start:
        if ordered[i].end > start:
            found.append(ordered[i])
        i -= 1
    return found


def _interval_index(intervals):
    """Sorted starts, their ends, and the running maximum of the ends, for `_clear`."""
    ordered = sorted(intervals)
    starts = [s for s, _ in ordered]
    ends = [e for _, e in ordered]
    running, latest = [], None
    for e in ends:
        latest = e if latest is None or e > latest else latest
        running.append(latest)
    return starts, ends, running


def _clear(index, start, end) -> bool:
    """No interval of `index` meets [start, end): a bisection, then a walk back
    only while an earlier interval can still reach `start` (a linear scan of
    every booking of the room per candidate slot took most of a search)."""
    starts, ends, running = index
    i = bisect_left(starts, end) - 1
    while i >= 0 and running[i] > start:
        if ends[i] > start:
            return False
        i -= 1
    return True


class _Rooms:
    """Which rooms of a location are free, for one search: each room's bookings
    indexed once, and each answer kept. The same start at a location is asked
    about once per therapist working there, and depends only on the rooms."""

    def __init__(self, schedule: Schedule):
        self.schedule = schedule
        self.indexes: dict[int, tuple] = {}
        self.answers: dict[tuple, bool] = {}

    def free(self, location_id: int, start, end) -> bool:
        key = (location_id, start, end)
        known = self.answers.get(key)
        if known is None:
            known = self.answers[key] = any(
                _clear(self._index(room_id), start, end)
                for room_id in self.schedule.rooms.get(location_id, ())
            )
        return known

    def _index(self, room_id):
        index = self.indexes.get(room_id)
        if index is None:
            index = self.indexes[room_id] = _interval_index(
                self.schedule.room_busy.get(room_id, [])
            )
        return index


def free_slots(
    schedule: Schedule,
    rules: Rules,
    days: Iterable[date],
    therapist_ids: Iterable[int] | None = None,
) -> list[Slot]:
    """Every bookable start, per therapist, ordered by time then therapist.

    A slot's session lies inside a working-hours row; its occupied time
    (session plus buffer) meets no appointment of the therapist; the session
    meets no time off; with `needs_room`, some active room of the shift's
    location is free for the occupied time. Starts honour the minimum notice
    and the booking horizon.
    """
    order = {tid: n for n, tid in enumerate(schedule.therapists)}
    wanted = set(order if therapist_ids is None else therapist_ids) & set(order)
    earliest = rules.now + rules.min_notice
    latest = rules.now + rules.horizon
    occupied_length = rules.duration + rules.buffer
    slots = []
    rooms = _Rooms(schedule)
    busy_indexes: dict = {}
    by_weekday = _shifts_by_weekday(schedule, rules, wanted)
    for day in days:
        for shift in by_weekday.get(day.weekday(), ()):
            window_start, window_end = _shift_bounds(shift, day)
            if window_end <= earliest or window_start > latest:
                continue
            starts, first, last = _candidates(shift, day, rules, window_end)
            if first >= last:
                continue
            free = bytearray(b"\x01") * (last - first)
            # Each busy time rules out the starts in an open interval before its
            # end: a bisection per busy time instead of a test per start.
            index = busy_indexes.get(shift.therapist_id)
            if index is None:
                index = busy_indexes[shift.therapist_id] = _busy_index(
                    schedule.busy.get(shift.therapist_id, ())
                )
            for b in _within(index, window_start, window_end + rules.buffer):
                reach = occupied_length if b.kind == "appointment" else rules.duration
                lo = max(bisect_right(starts, b.start - reach), first)
                hi = min(bisect_left(starts, b.end), last)
                if lo < hi:
                    free[lo - first : hi - first] = bytes(hi - lo)
            offered = [
                n
                for n in range(first, last)
                if free[n - first]
                and not (
                    rules.needs_room
                    and not rooms.free(shift.location_id, starts[n], starts[n] + occupied_length)
                )
            ]
            if shift.therapist_id in schedule.compact:
                offered = compact_starts(offered)
            slots += [
                Slot(starts[n], shift.therapist_id, shift.location_id, shift.time_zone)
                for n in offered
            ]
    slots.sort(key=lambda s: (s.starts_at, order[s.therapist_id]))
    return slots


def _shifts_by_weekday(schedule: Schedule, rules: Rules, wanted) -> dict[int, list[Shift]]:
    """The shifts of `wanted` therapists that could hold a booking, per weekday,
    in the schedule's order: sorted once per search, not tested per day (a
    chain's location has some two hundred shifts a week)."""
    by_weekday: dict[int, list[Shift]] = {}
    for shift in schedule.shifts:
        if shift.therapist_id not in wanted:
            continue
        if rules.needs_room and not schedule.rooms.get(shift.location_id):
            continue
        by_weekday.setdefault(shift.weekday, []).append(shift)
    return by_weekday


def compact_starts(free: list[int]) -> list[int]:
    """Compact offering: of a shift's free starts (ascending positions on its
    grid), only the first and the last of each run of consecutive ones.

    A run is a gap between two edges: the shift's start or end, a booking (its
    cleanup time included, as the busy time already is), time off, a taken
    room, or the notice and horizon. Its first start sits right after the edge
    before it, its last start ends (with cleanup) right at the edge after it,
    so a booking made at either leaves no sliver between itself and the edge;
    an empty shift offers its first and last start. Any start in between could
    split the gap into two pieces too short to sell.
    """
    kept = []
    for i, n in enumerate(free):
        starts_run = i == 0 or free[i - 1] != n - 1
        ends_run = i == len(free) - 1 or free[i + 1] != n + 1
        if starts_run or ends_run:
            kept.append(n)
    return kept


def _candidates(shift: Shift, day: date, rules: Rules, window_end: datetime):
    """A shift's grid of starts on `day` and the range of those after the notice,
    within the horizon and ending in the shift: what could be free at best."""
    step_minutes = max(1, int(rules.step.total_seconds() // 60))
    starts = _shift_starts(day, shift.start, shift.end, step_minutes, shift.time_zone)
    first = bisect_left(starts, rules.now + rules.min_notice)
    last = bisect_right(starts, min(rules.now + rules.horizon, window_end - rules.duration))
    return starts, first, last


def could_add(
    schedule: Schedule, rules: Rules, days: Iterable[date], covered: set, therapist_ids
) -> set[int]:
    """Which of `therapist_ids` have, on `days`, a candidate start (ignoring
    their bookings) that no slot found so far (`covered`) offers: the only
    therapists whose bookings an "any therapist" search still needs. Everyone
    else could at most offer a start already offered."""
    found = set()
    by_weekday = _shifts_by_weekday(schedule, rules, set(therapist_ids))
    for day in days:
        for shift in by_weekday.get(day.weekday(), ()):
            tid = shift.therapist_id
            if tid in found:
                continue
            starts, first, last = _candidates(shift, day, rules, _shift_bounds(shift, day)[1])
            if any(starts[n] not in covered for n in range(first, last)):
                found.add(tid)
    return found


def shown_days(slots: Iterable[Slot], days: list[date], enough: int | None) -> list[date]:
    """The days whose slots decide what is shown: up to the `enough`-th day with
    free time (all `days` while fewer have any)."""
    with_time = sorted({s.local.date() for s in slots})
    if enough is None or len(with_time) < enough:
        return list(days)
    return [d for d in days if d <= with_time[enough - 1]]


def one_per_start(slots: Iterable[Slot]) -> list[Slot]:
    """For "any therapist": the first listed therapist free at each start."""
    seen = set()
    result = []
    for slot in slots:
        if slot.starts_at not in seen:
            seen.add(slot.starts_at)
            result.append(slot)
    return result


def bookings_per_day(schedule: Schedule) -> dict[tuple[int, str, date], int]:
    """Appointments per (therapist, zone, local day), on the clock of each zone
    the therapist works in: how busy a therapist already is on a slot's day."""
    zones: dict[int, set[str]] = {}
    for shift in schedule.shifts:
        zones.setdefault(shift.therapist_id, set()).add(shift.time_zone)
    counts: dict[tuple[int, str, date], int] = {}
    for therapist_id, items in schedule.busy.items():
        starts = [b.start for b in items if b.kind == "appointment"]
        for tz_name in zones.get(therapist_id, ()) if starts else ():
            for day in _local_days(starts, tz_name):
                key = (therapist_id, tz_name, day)
                counts[key] = counts.get(key, 0) + 1
    return counts


def _local_days(instants: list[datetime], tz_name: str) -> list[date]:
    """The local date of each instant on the clock of `tz_name`: a bisection
    into the range's local midnights instead of a conversion per instant."""
    tz = zone(tz_name)
    first = min(instants).astimezone(tz).date()
    days = [first + timedelta(days=n) for n in range((max(instants) - min(instants)).days + 3)]
    # A midnight the clock skips (fold 0 reads it with the offset before the
    # change) converts to the change itself: the first instant of that day.
    midnights = [datetime.combine(d, time.min, tzinfo=tz).astimezone(UTC) for d in days]
    return [days[bisect_right(midnights, at) - 1] for at in instants]


def spread_per_start(
    slots: Iterable[Slot],
    loads: dict[tuple[int, str, date], int],
    order: dict[int, int],
    preferred: int | None = None,
) -> list[Slot]:
    """For "any therapist": one therapist per start, chosen fairly.

    The client's usual therapist (`preferred`) first when free; then whoever
    has the fewest bookings that day; among equals the choice rotates from
    one start to the next. Taking the first therapist in name order offered
    every slot of a day with the same person while colleagues stood idle.
    `slots` are ordered by start, then by `order`.
    """
    result = []
    starts_of_day: dict[date, int] = {}
    group: list[Slot] = []

    def pick():
        day = group[0].local.date()
        turn = starts_of_day.get(day, 0)
        starts_of_day[day] = turn + 1
        size = len(order) or 1

        def key(slot):
            return (
                slot.therapist_id != preferred,
                loads.get((slot.therapist_id, slot.time_zone, day), 0),
                (order.get(slot.therapist_id, 0) - turn) % size,
            )

        result.append(min(group, key=key))

    for slot in slots:
        if group and slot.starts_at != group[0].starts_at:
            pick()
            group = []
        group.append(slot)
    if group:
        pick()
    return result


def _hours_text(shifts: list[Shift]) -> str:
    return ", ".join(
        f"{s.start:%H:%M}–{s.end:%H:%M}" for s in sorted(shifts, key=lambda s: s.start)
    )


def rule_problems(
    schedule: Schedule,
    *,
    therapist_id: int,
    location_id: int,
    starts_at: datetime,
    duration: timedelta,
    now: datetime,
    horizon: timedelta,
) -> dict[str, str]:
    """Why a booking breaks the practice's rules: working hours, time off, horizon.

    Clashes with other appointments are not checked here: the booking service
    finds those in the database so it can name the conflicting appointment.
    """
    errors = {}
    name = schedule.therapists.get(therapist_id, "The therapist")
    tz = zone(schedule.time_zones.get(location_id, "UTC"))
    local = starts_at.astimezone(tz)
    ends_at = starts_at + duration
    if starts_at > now + horizon:
        errors["starts_at"] = f"Bookings open at most {horizon.days} days ahead."
        return errors
    day_shifts = [
        s
        for s in schedule.shifts
        if s.therapist_id == therapist_id
        and s.location_id == location_id
        and s.weekday == local.weekday()
    ]
    inside = any(
        window_start <= starts_at and ends_at <= window_end
        for window_start, window_end in (_shift_bounds(s, local.date()) for s in day_shifts)
    )
    if not inside:
        weekday = WEEKDAY_NAMES[local.weekday()]
        hours = _hours_text(day_shifts)
        when = f"their hours on {weekday} are {hours}" if hours else f"no hours on {weekday}"
        errors["starts_at"] = (
            f"{name} does not work {local:%H:%M}–{ends_at.astimezone(tz):%H:%M} ({when})."
        )
        return errors
    off = [
        b
        for b in schedule.busy.get(therapist_id, ())
        if b.kind == "time_off" and overlaps(b.start, b.end, starts_at, ends_at)
    ]
    if off:
        errors["starts_at"] = (
            f"{name} is off {off[0].start.astimezone(tz):%a %d %b %H:%M}–"
            f"{off[0].end.astimezone(tz):%a %d %b %H:%M}."
        )
    return errors


def clash_problem(
    schedule: Schedule,
    *,
    therapist_id: int,
    location_id: int,
    starts_at: datetime,
    duration: timedelta,
    buffer: timedelta,
    needs_room: bool,
) -> str | None:
    """Why the occupied time cannot be had: another appointment, or no free room."""
    tz = zone(schedule.time_zones.get(location_id, "UTC"))
    occupied = starts_at + duration + buffer
    for b in schedule.busy.get(therapist_id, ()):
        if b.kind == "appointment" and overlaps(b.start, b.end, starts_at, occupied):
            name = schedule.therapists.get(therapist_id, "The therapist")
            return (
                f"{name} is already booked {b.start.astimezone(tz):%H:%M}–"
                f"{b.end.astimezone(tz):%H:%M} (including cleanup time)."
            )
    if needs_room and not _Rooms(schedule).free(location_id, starts_at, occupied):
        return "No room is free at that time."
    return None
