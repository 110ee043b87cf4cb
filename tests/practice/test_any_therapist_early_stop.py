"""The "any therapist" search reads only some therapists' bookings, and still
offers exactly the days and start times the exhaustive search offers."""

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from practice import availability, selectors

ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")


def _random_practice(rng: random.Random, first_day: date):
    therapists = rng.randrange(1, 60)
    locations = rng.randrange(1, 5)
    shifts, full_busy, rooms, room_busy = [], {}, {}, {}
    for loc in range(locations):
        rooms[loc] = list(range(loc * 10, loc * 10 + rng.randrange(1, 6)))
    per_day = rng.choice((0, 2, 5, 8, 12))
    for tid in range(therapists):
        loc = rng.randrange(locations)
        tz = ZONES[loc]
        for weekday in rng.sample(range(7), rng.randrange(1, 7)):
            start = rng.randrange(6, 14)
            length = rng.randrange(2, 10)
            shifts.append(
                availability.Shift(
                    tid, loc, tz, weekday, time(start), time(min(23, start + length))
                )
            )
        busy = []
        for d in range(-1, 9):
            day = first_day + timedelta(days=d)
            for _ in range(rng.randrange(0, per_day + 1)):
                at = datetime.combine(day, time(rng.randrange(6, 22), rng.choice((0, 15, 30))))
                at = at.replace(tzinfo=availability.zone(tz)).astimezone(UTC)
                end = at + timedelta(minutes=rng.choice((45, 75, 105)))
                busy.append(availability.Busy(at, end, "appointment"))
                if rng.random() < 0.7:
                    room = rng.choice(rooms[loc])
                    room_busy.setdefault(room, []).append((at, end))
            if rng.random() < 0.05:
                off = datetime.combine(day, time(0), tzinfo=UTC)
                busy.append(availability.Busy(off, off + timedelta(days=1), "time_off"))
        full_busy[tid] = busy
    names = {tid: f"T{tid:02d}" for tid in range(therapists)}
    return names, shifts, full_busy, rooms, room_busy


def _loader(schedule, full_busy, rooms, room_busy, reads):
    def load(*, therapist_ids, time_off_ids=None, room_bookings=True):
        reads.append(list(therapist_ids))
        for tid in time_off_ids if time_off_ids is not None else therapist_ids:
            schedule.busy.setdefault(tid, []).extend(
                b for b in full_busy.get(tid, ()) if b.kind == "time_off"
            )
        for tid in therapist_ids:
            schedule.busy.setdefault(tid, []).extend(
                b for b in full_busy.get(tid, ()) if b.kind == "appointment"
            )
        if room_bookings:
            schedule.rooms.update(rooms)
            schedule.room_busy.update(room_busy)

    return load


def _shown(slots, enough):
    days = sorted({s.local.date() for s in slots})[:enough]
    return {d: sorted({s.starts_at for s in slots if s.local.date() == d}) for d in days}


@pytest.mark.parametrize(
    ("seed", "with_compact"), [(n, False) for n in range(120)] + [(n, True) for n in range(60)]
)
def test_early_stop_offers_what_the_exhaustive_search_offers(seed, with_compact):
    """Also with some therapists offering compact slots: their offer depends on
    their own bookings only, so reading fewer therapists still finds it."""
    rng = random.Random(seed)
    first_day = date(2026, 3, 2) + timedelta(days=rng.randrange(0, 300))
    names, shifts, full_busy, rooms, room_busy = _random_practice(rng, first_day)
    rules = availability.Rules(
        duration=timedelta(minutes=rng.choice((30, 60, 90))),
        buffer=timedelta(minutes=rng.choice((0, 15))),
        needs_room=rng.random() < 0.7,
        now=datetime.combine(first_day, time(rng.randrange(0, 20)), tzinfo=UTC),
        horizon=timedelta(days=90),
        step=timedelta(minutes=15),
    )
    days = [first_day + timedelta(days=n) for n in range(4)]
    enough = 3
    compact = {tid for tid in names if with_compact and rng.random() < 0.5}
    everyone = availability.Schedule(
        therapists=names,
        shifts=shifts,
        busy=full_busy,
        rooms=rooms,
        room_busy=room_busy,
        compact=compact,
    )
    exhaustive = availability.free_slots(everyone, rules, days)

    schedule = availability.Schedule(therapists=names, shifts=shifts, compact=compact)
    reads = []
    load = _loader(schedule, full_busy, rooms, room_busy, reads)
    early = selectors._search_early(schedule, rules, days, load, None, [], enough)

    assert _shown(early, enough) == _shown(exhaustive, enough)
    truly_free = {(s.starts_at, s.therapist_id) for s in exhaustive}
    assert {(s.starts_at, s.therapist_id) for s in early} <= truly_free
    assert len(reads) <= 2  # the first batch, then at most one more read


def _hour_long(first_day, *, needs_room):
    """An hour's session, no cleanup, searched from midnight UTC of `first_day`."""
    return availability.Rules(
        duration=timedelta(minutes=60),
        buffer=timedelta(0),
        needs_room=needs_room,
        now=datetime.combine(first_day, time(0), tzinfo=UTC),
        horizon=timedelta(days=90),
    )


def test_the_first_batch_suffices_when_it_offers_every_start():
    """Forty therapists on the same free shift: ten of them cover every start,
    so the other thirty's bookings are never read."""
    first_day = date(2026, 6, 1)
    names = {tid: f"T{tid:02d}" for tid in range(40)}
    shifts = [
        availability.Shift(tid, 0, "America/New_York", first_day.weekday(), time(9), time(17))
        for tid in range(40)
    ]
    rules = _hour_long(first_day, needs_room=False)
    schedule = availability.Schedule(therapists=names, shifts=shifts)
    reads = []
    load = _loader(schedule, {}, {}, {}, reads)
    found = selectors._search_early(schedule, rules, [first_day], load, None, [], 1)
    assert reads == [reads[0]] and len(reads[0]) == selectors.FIRST_BATCH
    assert len({s.starts_at for s in found}) == 29  # 09:00 to 16:00 every 15 minutes


def test_with_a_room_needed_everyone_is_read_at_once():
    """The room bookings come with the first read anyway, and they are nearly
    everyone's bookings: the rest's bookings ride along, no second read."""
    first_day = date(2026, 6, 1)
    names = {tid: f"T{tid:02d}" for tid in range(30)}
    shifts = [
        availability.Shift(tid, 0, "America/New_York", first_day.weekday(), time(9), time(17))
        for tid in range(30)
    ]
    at = datetime(2026, 6, 1, 13, tzinfo=UTC)
    # The first ten are booked all day, so the others must offer the times.
    full_busy = {
        tid: [availability.Busy(at, at + timedelta(hours=8), "appointment")] for tid in range(30)
    }
    full_busy.update({tid: [] for tid in range(10, 30)})
    rules = _hour_long(first_day, needs_room=True)
    schedule = availability.Schedule(therapists=names, shifts=shifts)
    reads = []
    load = _loader(schedule, full_busy, {0: [1]}, {}, reads)
    found = selectors._search_early(schedule, rules, [first_day], load, None, [], 1)
    assert reads == [list(names)]
    assert found and {s.therapist_id for s in found} <= set(range(10, 30))
