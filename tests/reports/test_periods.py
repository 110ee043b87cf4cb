"""reports.periods: what each picker choice means, and working time per week."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

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
