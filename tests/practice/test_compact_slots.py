"""Compact slot offering (`Therapist.slot_mode = "compact"`) as pure interval
arithmetic: only the first and last free start of each gap."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from practice.availability import Busy, Rules, Schedule, Shift, compact_starts, free_slots

NY = ZoneInfo("America/New_York")
TUESDAY = date(2026, 6, 16)
DANA, SAM = 1, 2
DOWNTOWN = 10


def at(hour, minute=0):
    return datetime.combine(TUESDAY, time(hour, minute), tzinfo=NY)


def shift(therapist, start, end):
    return Shift(therapist, DOWNTOWN, "America/New_York", 1, time(*start), time(*end))


def appointment(start, end):
    return Busy(at(*start), at(*end), "appointment")


def time_off(start, end):
    return Busy(at(*start), at(*end), "time_off")


def schedule(shifts, busy=None, compact=(DANA,), rooms=None, room_busy=None):
    return Schedule(
        therapists={DANA: "Dana Reyes", SAM: "Sam Okafor"},
        shifts=shifts,
        busy=busy or {},
        rooms=rooms or {},
        room_busy=room_busy or {},
        time_zones={DOWNTOWN: "America/New_York"},
        compact=set(compact),
    )


def rules(minutes=60, buffer=0, needs_room=False, now=None):
    return Rules(
        duration=timedelta(minutes=minutes),
        buffer=timedelta(minutes=buffer),
        needs_room=needs_room,
        now=now or datetime(2026, 1, 1, tzinfo=UTC),
        horizon=timedelta(days=365),
        step=timedelta(minutes=15),
    )


def hours(slots, therapist=DANA):
    return [s.local.strftime("%H:%M") for s in slots if s.therapist_id == therapist]


def test_compact_starts_keeps_the_ends_of_each_run():
    assert compact_starts([]) == []
    assert compact_starts([4]) == [4]
    assert compact_starts([4, 5]) == [4, 5]
    assert compact_starts([0, 1, 2, 3, 7, 8, 9, 12]) == [0, 3, 7, 9, 12]


def test_an_empty_shift_offers_its_first_and_last_start():
    slots = free_slots(schedule([shift(DANA, (9, 0), (17, 0))]), rules(60), [TUESDAY])
    assert hours(slots) == ["09:00", "16:00"]


def test_grid_mode_is_unchanged():
    slots = free_slots(schedule([shift(DANA, (9, 0), (12, 0))], compact=()), rules(60), [TUESDAY])
    assert hours(slots) == [f"{h:02d}:{m:02d}" for h in (9, 10) for m in (0, 15, 30, 45)] + [
        "11:00"
    ]


def test_starts_touch_a_booking_on_either_side_counting_cleanup_time():
    # The 11:00 booking's busy time already holds its 15 minutes of cleanup.
    busy = {DANA: [appointment((11, 0), (12, 15))]}
    slots = free_slots(
        schedule([shift(DANA, (9, 0), (17, 0))], busy), rules(60, buffer=15), [TUESDAY]
    )
    # 09:00 (shift start); 09:45 ends with its cleanup at 11:00; 12:15 right
    # after the booking's cleanup; 16:00 ends at the shift's end.
    assert hours(slots) == ["09:00", "09:45", "12:15", "16:00"]


def test_a_gap_that_fits_exactly_one_session_offers_it_once():
    busy = {DANA: [appointment((9, 0), (10, 0)), appointment((11, 0), (12, 0))]}
    slots = free_slots(schedule([shift(DANA, (9, 0), (12, 0))], busy), rules(60), [TUESDAY])
    assert hours(slots) == ["10:00"]


def test_time_off_splits_a_shift_into_two_gaps():
    busy = {DANA: [time_off((12, 0), (13, 30))]}
    slots = free_slots(schedule([shift(DANA, (9, 0), (17, 0))], busy), rules(60), [TUESDAY])
    assert hours(slots) == ["09:00", "11:00", "13:30", "16:00"]


def test_split_shifts_are_two_gaps():
    shifts = [shift(DANA, (9, 0), (12, 0)), shift(DANA, (14, 0), (18, 0))]
    slots = free_slots(schedule(shifts), rules(90), [TUESDAY])
    assert hours(slots) == ["09:00", "10:30", "14:00", "16:30"]


def test_other_therapists_bookings_do_not_matter_and_grid_colleagues_keep_the_grid():
    busy = {SAM: [appointment((10, 0), (11, 0))]}
    shifts = [shift(DANA, (9, 0), (13, 0)), shift(SAM, (9, 0), (13, 0))]
    slots = free_slots(schedule(shifts, busy), rules(60), [TUESDAY])
    assert hours(slots, DANA) == ["09:00", "12:00"]
    assert hours(slots, SAM) == ["09:00", "11:00", "11:15", "11:30", "11:45", "12:00"]


def test_a_taken_room_is_an_edge_too():
    sched = schedule(
        [shift(DANA, (9, 0), (13, 0))], rooms={DOWNTOWN: [5]}, room_busy={5: [(at(10), at(11))]}
    )
    slots = free_slots(sched, rules(60, needs_room=True), [TUESDAY])
    assert hours(slots) == ["09:00", "11:00", "12:00"]


def test_the_notice_is_an_edge_so_today_still_offers_the_next_start():
    now = at(10, 5).astimezone(UTC)
    slots = free_slots(schedule([shift(DANA, (9, 0), (17, 0))]), rules(60, now=now), [TUESDAY])
    assert hours(slots) == ["10:15", "16:00"]


def test_compact_offers_a_subset_of_the_grid():
    busy = {DANA: [appointment((10, 30), (11, 15)), time_off((14, 0), (14, 45))]}
    shifts = [shift(DANA, (9, 0), (17, 0))]
    for minutes in (30, 60, 90):
        grid = free_slots(schedule(shifts, busy, compact=()), rules(minutes), [TUESDAY])
        compact = free_slots(schedule(shifts, busy), rules(minutes), [TUESDAY])
        assert compact and set(compact) < set(grid)
