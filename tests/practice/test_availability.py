"""Free-slot search as pure interval arithmetic (no database)."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from practice import availability
from practice.availability import (
    Busy,
    Rules,
    Schedule,
    Shift,
    clash_problem,
    free_slots,
    one_per_start,
    rule_problems,
)

NY = ZoneInfo("America/New_York")
TUESDAY = date(2026, 6, 16)
DANA, SAM = 1, 2
DOWNTOWN = 10


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


def shift(therapist, weekday, start, end):
    return Shift(therapist, DOWNTOWN, "America/New_York", weekday, time(*start), time(*end))


def schedule(shifts, busy=None, rooms=None, room_busy=None):
    return Schedule(
        therapists={DANA: "Dana Reyes", SAM: "Sam Okafor"},
        shifts=shifts,
        busy=busy or {},
        rooms=rooms or {},
        room_busy=room_busy or {},
        time_zones={DOWNTOWN: "America/New_York"},
    )


def rules(minutes=60, buffer=0, step=60, needs_room=False, now=None, **extra):
    return Rules(
        duration=timedelta(minutes=minutes),
        buffer=timedelta(minutes=buffer),
        needs_room=needs_room,
        now=now or datetime(2026, 1, 1, tzinfo=UTC),
        horizon=extra.pop("horizon", timedelta(days=365)),
        step=timedelta(minutes=step),
        **extra,
    )


def local_hours(slots):
    return [s.local.strftime("%H:%M") for s in slots]


def test_split_shift_offers_both_parts_and_nothing_in_the_gap():
    sched = schedule([shift(DANA, 1, (9, 0), (12, 0)), shift(DANA, 1, (13, 0), (17, 0))])
    slots = free_slots(sched, rules(), [TUESDAY])
    assert local_hours(slots) == ["09:00", "10:00", "11:00", "13:00", "14:00", "15:00", "16:00"]


def test_the_session_must_end_inside_the_shift():
    sched = schedule([shift(DANA, 1, (9, 0), (11, 30))])
    assert local_hours(free_slots(sched, rules(step=30), [TUESDAY])) == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
    ]


def test_existing_appointment_blocks_its_time_and_its_buffer():
    booked = Busy(at(TUESDAY, 10), at(TUESDAY, 11, 15), "appointment")
    sched = schedule([shift(DANA, 1, (9, 0), (13, 0))], busy={DANA: [booked]})
    slots = free_slots(sched, rules(buffer=15, step=15), [TUESDAY])
    hours = local_hours(slots)
    # 09:00 would run (with its own cleanup) into the 10:00 booking.
    assert "09:00" not in hours and "08:45" not in hours
    assert hours[0] == "11:15"
    assert hours[-1] == "12:00"


def test_time_off_blocks_the_session_time():
    off = Busy(at(TUESDAY, 12), at(TUESDAY, 17), "time_off")
    sched = schedule([shift(DANA, 1, (9, 0), (17, 0))], busy={DANA: [off]})
    assert local_hours(free_slots(sched, rules(), [TUESDAY])) == ["09:00", "10:00", "11:00"]


def test_service_needing_a_room_only_gets_slots_with_a_free_room():
    sched = schedule(
        [shift(DANA, 1, (9, 0), (12, 0))],
        rooms={DOWNTOWN: [100]},
        room_busy={100: [(at(TUESDAY, 10), at(TUESDAY, 11))]},
    )
    assert local_hours(free_slots(sched, rules(needs_room=True), [TUESDAY])) == ["09:00", "11:00"]
    # A second room frees the 10:00 slot.
    sched.rooms[DOWNTOWN].append(101)
    assert local_hours(free_slots(sched, rules(needs_room=True), [TUESDAY])) == [
        "09:00",
        "10:00",
        "11:00",
    ]


def test_no_rooms_at_all_means_no_slots_for_a_room_service():
    sched = schedule([shift(DANA, 1, (9, 0), (12, 0))])
    assert free_slots(sched, rules(needs_room=True), [TUESDAY]) == []
    assert len(free_slots(sched, rules(needs_room=False), [TUESDAY])) == 3


def test_spring_forward_day_keeps_local_hours_and_skips_missing_times():
    sunday = date(2026, 3, 8)
    sched = schedule([shift(DANA, 6, (9, 0), (11, 0)), shift(SAM, 6, (0, 0), (4, 0))])
    dana = free_slots(sched, rules(), [sunday], therapist_ids=[DANA])
    # 09:00 EDT is 13:00 UTC; the same shift the day before starts at 14:00 UTC.
    assert [s.starts_at.astimezone(UTC).hour for s in dana] == [13, 14]
    assert local_hours(dana) == ["09:00", "10:00"]
    night = free_slots(sched, rules(minutes=30, step=30), [sunday], therapist_ids=[SAM])
    assert local_hours(night) == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30"]
    assert night[-1].starts_at + timedelta(minutes=30) == at(sunday, 4)


def test_fall_back_day_keeps_local_hours():
    sunday = date(2026, 11, 1)
    saturday = date(2026, 10, 31)
    sched = schedule([shift(DANA, 6, (9, 0), (11, 0)), shift(DANA, 5, (9, 0), (11, 0))])
    slots = free_slots(sched, rules(), [saturday, sunday])
    assert local_hours(slots) == ["09:00", "10:00", "09:00", "10:00"]
    # 09:00 EDT on Saturday is 13:00 UTC; 09:00 EST on Sunday is 14:00 UTC.
    assert [s.starts_at.astimezone(UTC).hour for s in slots] == [13, 14, 14, 15]


def test_any_therapist_lists_each_time_once_with_a_free_therapist():
    booked = Busy(at(TUESDAY, 9), at(TUESDAY, 10), "appointment")
    sched = schedule(
        [shift(DANA, 1, (9, 0), (11, 0)), shift(SAM, 1, (9, 0), (12, 0))],
        busy={DANA: [booked]},
    )
    slots = one_per_start(free_slots(sched, rules(), [TUESDAY]))
    assert [(s.local.hour, s.therapist_id) for s in slots] == [(9, SAM), (10, DANA), (11, SAM)]


def test_minimum_notice_hides_starts_too_soon():
    sched = schedule([shift(DANA, 1, (9, 0), (13, 0))])
    now = at(TUESDAY, 10, 5)
    slots = free_slots(sched, rules(step=15, now=now, min_notice=timedelta(minutes=30)), [TUESDAY])
    assert local_hours(slots)[0] == "10:45"


def test_horizon_hides_days_too_far_ahead():
    sched = schedule([shift(DANA, d, (9, 0), (10, 0)) for d in range(7)])
    now = at(TUESDAY, 8)
    days = [TUESDAY + timedelta(days=n) for n in range(4)]
    slots = free_slots(sched, rules(now=now, horizon=timedelta(days=2)), days)
    assert [s.local.date() for s in slots] == days[:2]


def test_rule_problems_name_hours_time_off_and_horizon():
    off = Busy(at(TUESDAY, 14), at(TUESDAY, 17), "time_off")
    sched = schedule(
        [shift(DANA, 1, (9, 0), (12, 0)), shift(DANA, 1, (13, 0), (17, 0))], busy={DANA: [off]}
    )
    common = {
        "therapist_id": DANA,
        "location_id": DOWNTOWN,
        "duration": timedelta(minutes=60),
        "now": at(TUESDAY, 7),
        "horizon": timedelta(days=30),
    }
    assert rule_problems(sched, starts_at=at(TUESDAY, 9), **common) == {}
    lunch = rule_problems(sched, starts_at=at(TUESDAY, 11, 30), **common)["starts_at"]
    assert "does not work 11:30–12:30" in lunch and "09:00–12:00, 13:00–17:00" in lunch
    assert "is off" in rule_problems(sched, starts_at=at(TUESDAY, 14), **common)["starts_at"]
    far = rule_problems(sched, starts_at=at(TUESDAY, 9) + timedelta(days=35), **common)
    assert "30 days ahead" in far["starts_at"]


def test_clash_problem_names_the_busy_time():
    booked = Busy(at(TUESDAY, 10), at(TUESDAY, 11, 15), "appointment")
    sched = schedule([shift(DANA, 1, (9, 0), (17, 0))], busy={DANA: [booked]})
    problem = clash_problem(
        sched,
        therapist_id=DANA,
        location_id=DOWNTOWN,
        starts_at=at(TUESDAY, 11),
        duration=timedelta(minutes=60),
        buffer=timedelta(minutes=15),
        needs_room=False,
    )
    assert problem == "Dana Reyes is already booked 10:00–11:15 (including cleanup time)."


def test_interval_index_finds_overlaps_behind_a_long_interval():
    from datetime import UTC, datetime

    from practice.availability import _clear, _interval_index

    def at(hour):
        return datetime(2026, 3, 2, hour, tzinfo=UTC)

    # A long block from 08:00 to 18:00 hides behind short ones that end early.
    index = _interval_index([(at(10), at(11)), (at(8), at(18)), (at(12), at(13))])
    assert not _clear(index, at(14), at(15))
    assert _clear(_interval_index([(at(10), at(11)), (at(12), at(13))]), at(11), at(12))
    assert not _clear(_interval_index([(at(10), at(11))]), at(10), at(11))
    assert _clear(_interval_index([]), at(10), at(11))


def test_fall_back_night_offers_both_occurrences_of_the_repeated_hour():
    """01:00-01:59 happens twice on 1 Nov 2026 in New York; the second pass is as
    free as the first, so its starts are offered too, each at its own instant
    and labelled with the zone so the two can be told apart."""
    sunday = date(2026, 11, 1)
    sched = schedule([shift(DANA, 6, (0, 0), (3, 0))])
    night = free_slots(sched, rules(minutes=15, step=15), [sunday])
    # Three hours of wall clock, four of real time: 16 starts, not 12.
    assert len(night) == 16
    instants = [s.starts_at for s in night]
    assert instants == sorted(set(instants))
    assert all(b - a == timedelta(minutes=15) for a, b in pairwise(instants))
    repeated = [s.wall_time for s in night if s.local.hour == 1]
    assert repeated == [f"01:{m:02d} EDT" for m in (0, 15, 30, 45)] + [
        f"01:{m:02d} EST" for m in (0, 15, 30, 45)
    ]
    assert [s.wall_time for s in night if s.local.hour != 1][::4] == ["00:00", "02:00"]


@pytest.mark.parametrize(
    "tz_name", ["America/New_York", "Europe/London", "America/Santiago", "Australia/Lord_Howe"]
)
def test_bookings_per_day_counts_on_each_zones_own_clock_across_clock_changes(tz_name):
    """The local day is found by bisection into the range's midnights; it must
    be the day a conversion of each start gives, on the nights the clocks
    change too (Santiago's change skips or repeats midnight itself)."""
    import random

    rng = random.Random(tz_name)
    tz = availability.zone(tz_name)
    first = datetime(2026, 1, 1, tzinfo=UTC)
    busy = {
        tid: [
            availability.Busy(at, at + timedelta(hours=1), "appointment")
            for at in (
                first + timedelta(minutes=15 * rng.randrange(0, 4 * 24 * 365)) for _ in range(300)
            )
        ]
        + [availability.Busy(first, first + timedelta(days=2), "time_off")]
        for tid in (1, 2)
    }
    shifts = [availability.Shift(tid, 1, tz_name, 0, time(9), time(17)) for tid in (1, 2)] + [
        availability.Shift(2, 2, "UTC", 1, time(9), time(17))
    ]
    schedule = availability.Schedule(therapists={1: "A", 2: "B"}, shifts=shifts, busy=busy)
    expected = {}
    for tid, items in busy.items():
        for zone_name in {s.time_zone for s in shifts if s.therapist_id == tid}:
            for b in items:
                if b.kind == "appointment":
                    key = (tid, zone_name, b.start.astimezone(availability.zone(zone_name)).date())
                    expected[key] = expected.get(key, 0) + 1
    assert availability.bookings_per_day(schedule) == expected
    assert tz.utcoffset(datetime(2026, 1, 1)) != tz.utcoffset(datetime(2026, 7, 1))
