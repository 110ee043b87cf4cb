"""Which starts a waitlist entry wants (pure)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from practice.waitlist.windows import Window, describe, fits, part_of_day

NY = ZoneInfo("America/New_York")
MONDAY = date(2026, 12, 7)


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


def window(**kw):
    return Window(date_from=MONDAY, date_to=date(2026, 12, 13), **kw)


def test_parts_of_the_day_have_their_edges():
    assert part_of_day(time(11, 59)) == "morning"
    assert part_of_day(time(12, 0)) == "afternoon"
    assert part_of_day(time(16, 59)) == "afternoon"
    assert part_of_day(time(17, 0)) == "evening"


def test_no_preference_fits_any_time_inside_the_dates():
    assert fits(window(), at(MONDAY, 6))
    assert fits(window(), at(date(2026, 12, 13), 21))
    assert not fits(window(), at(date(2026, 12, 14), 10))
    assert not fits(window(), at(date(2026, 12, 6), 10))


def test_parts_and_weekdays():
    evenings_on_tuesday = window(weekdays="1", evening=True)
    assert fits(evenings_on_tuesday, at(date(2026, 12, 8), 18))
    assert not fits(evenings_on_tuesday, at(date(2026, 12, 8), 16))
    assert not fits(evenings_on_tuesday, at(MONDAY, 18))


def test_a_range_bounds_the_start_and_combines_with_parts():
    late_morning = window(morning=True, earliest=time(10), latest=time(11, 30))
    assert fits(late_morning, at(MONDAY, 10))
    assert fits(late_morning, at(MONDAY, 11, 30))
    assert not fits(late_morning, at(MONDAY, 9, 45))
    assert not fits(late_morning, at(MONDAY, 11, 45))


def test_describe():
    assert describe(window()) == "any time"
    assert describe(window(weekdays="30", morning=True, evening=True)) == (
        "Mon, Thu · mornings, evenings"
    )
    assert describe(window(earliest=time(9), latest=time(13))) == "09:00-13:00"
    assert describe(window(latest=time(13))) == "until 13:00"
