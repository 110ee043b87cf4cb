"""reports.periods: what each picker choice means, and working time per week."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports import periods

TODAY = date(2026, 5, 14)


@pytest.mark.parametrize(
    ("choice", "first", "last"),
    [
        (periods.THIS_MONTH, date(2026, 5, 1), date(2026, 5, 31)),
        (periods.LAST_MONTH, date(2026, 4, 1), date(2026, 4, 30)),
        (periods.THIS_QUARTER, date(2026, 4, 1), date(2026, 6, 30)),
        (periods.THIS_YEAR, date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_each_choice_covers_whole_local_days(choice, first, last):
    assert periods.period_for(choice, today=TODAY) == periods.Period(first, last)


def test_last_month_in_january_is_last_december():
    got = periods.period_for(periods.LAST_MONTH, today=date(2026, 1, 10))
    assert got == periods.Period(date(2025, 12, 1), date(2025, 12, 31))


def test_fourth_quarter_ends_on_new_years_eve():
    got = periods.period_for(periods.THIS_QUARTER, today=date(2026, 11, 2))
    assert got == periods.Period(date(2026, 10, 1), date(2026, 12, 31))


def test_custom_needs_both_days_in_order_and_at_most_three_years():
    with pytest.raises(ValueError):
        periods.period_for(periods.CUSTOM, today=TODAY, first=TODAY)
    with pytest.raises(ValueError):
        periods.period_for(periods.CUSTOM, today=TODAY, first=TODAY, last=date(2026, 5, 1))
    with pytest.raises(ValueError):
        periods.period_for(periods.CUSTOM, today=TODAY, first=date(2020, 1, 1), last=TODAY)
    got = periods.period_for(periods.CUSTOM, today=TODAY, first=TODAY, last=TODAY)
    assert got.days == 1


def test_weeks_start_on_the_monday_before_the_first_day():
    period = periods.Period(date(2026, 5, 1), date(2026, 5, 31))  # a Friday to a Sunday
    assert periods.weeks(period) == [date(2026, 4, 27) + timedelta(weeks=i) for i in range(5)]


NY = ZoneInfo("America/New_York")


def test_working_time_counts_only_days_inside_the_period_less_time_off():
    period = periods.Period(date(2026, 5, 4), date(2026, 5, 13))  # Mon 4th to Wed 13th
    mondays_and_wednesdays = [(0, time(9), time(17), NY), (2, time(9), time(13), NY)]
    # Two hours off on Monday the 11th, given twice and overlapping: taken off once.
    off = [
        (datetime(2026, 5, 11, 9, tzinfo=NY), datetime(2026, 5, 11, 11, tzinfo=NY)),
        (datetime(2026, 5, 11, 10, tzinfo=NY), datetime(2026, 5, 11, 11, tzinfo=NY)),
    ]
    got = periods.working_time_by_week(period, mondays_and_wednesdays, off)
    assert got == {date(2026, 5, 4): timedelta(hours=12), date(2026, 5, 11): timedelta(hours=10)}


def test_a_shift_across_the_spring_change_is_an_hour_shorter():
    period = periods.Period(date(2026, 3, 8), date(2026, 3, 8))  # Sunday, clocks go forward
    got = periods.working_time_by_week(period, [(6, time(0), time(12), NY)], [])
    assert got == {date(2026, 3, 2): timedelta(hours=11)}


def test_weekly_hours_of_several_people_merge_into_opening_hours():
    tz = ZoneInfo("America/New_York")
    hours = [
        (0, time(9), time(13), tz),
        (0, time(12), time(17), tz),
        (0, time(17), time(19), tz),  # touching: one span
        (0, time(20), time(21), tz),
        (2, time(9), time(12), tz),
    ]
    assert periods.merged_weekly(hours) == [
        (0, time(9), time(19), tz),
        (0, time(20), time(21), tz),
        (2, time(9), time(12), tz),
    ]


# Zones with a spring gap and an autumn fold, a half-hour change (Lord Howe),
# changes at midnight (Santiago, Havana) and none at all (UTC).
ZONES = [
    ZoneInfo(name)
    for name in (
        "America/New_York",
        "Europe/London",
        "Australia/Lord_Howe",
        "America/Santiago",
        "America/Havana",
        "UTC",
    )
]


def _every_day(period, hours, time_off):
    """The plain definition: each day of the period, each row of its weekday, instant by instant."""
    off = periods._merged(time_off)
    totals = {monday: timedelta(0) for monday in periods.weeks(period)}
    day = period.first
    while day <= period.last:
        for weekday, start, end, tz in hours:
            if weekday == day.weekday():
                totals[day - timedelta(days=day.weekday())] += periods.shift_length(
                    day, start, end, tz, off
                )
        day += timedelta(days=1)
    return totals


quarter_hours = st.integers(0, 95).map(lambda n: time(n // 4, 15 * (n % 4)))


@st.composite
def schedules(draw):
    first = draw(st.dates(date(2024, 1, 1), date(2027, 12, 31)))
    period = periods.Period(first, first + timedelta(days=draw(st.integers(0, 400))))
    zones = draw(st.lists(st.sampled_from(ZONES), min_size=1, max_size=2))
    hours = draw(
        st.lists(
            st.tuples(st.integers(0, 6), quarter_hours, quarter_hours, st.sampled_from(zones)),
            max_size=8,
        )
    )
    time_off = []
    for _ in range(draw(st.integers(0, 6))):
        tz = draw(st.sampled_from(zones))
        begins = datetime.combine(
            period.first + timedelta(days=draw(st.integers(-3, period.days + 3))),
            draw(quarter_hours),
            tzinfo=tz,
        )
        time_off.append(
            (begins, begins + timedelta(minutes=15 * draw(st.integers(1, 4 * 24 * 20))))
        )
    return period, hours, time_off


@settings(max_examples=300, deadline=None)
@given(schedules())
def test_weekly_totals_equal_the_day_by_day_definition(schedule):
    period, hours, time_off = schedule
    assert periods.working_time_by_week(period, hours, time_off) == _every_day(
        period, hours, time_off
    )


@pytest.mark.parametrize(
    ("day", "hours"),
    [
        (date(2026, 3, 8), 11),  # New York springs forward inside the shift
        (date(2026, 11, 1), 13),  # and falls back: an hour longer
        (date(2026, 3, 15), 12),
    ],
)
def test_a_year_of_weekly_hours_keeps_the_clock_changes(day, hours):
    period = periods.Period(date(2026, 1, 1), date(2026, 12, 31))
    got = periods.working_time_by_week(period, [(6, time(0), time(12), NY)], [])
    assert got[day - timedelta(days=day.weekday())] == timedelta(hours=hours)
