"""Report periods and working time, over dates and times (pure: no models).

A period is a range of local calendar days [first, last], both included; the
selectors turn it into instants on the location's clock.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

THIS_MONTH = "this_month"
LAST_MONTH = "last_month"
THIS_QUARTER = "this_quarter"
THIS_YEAR = "this_year"
CUSTOM = "custom"
CHOICES = [
    (THIS_MONTH, "This month"),
    (LAST_MONTH, "Last month"),
    (THIS_QUARTER, "This quarter"),
    (THIS_YEAR, "This year"),
    (CUSTOM, "Custom dates"),
]
# A custom range longer than this is refused: the weekly tables would be huge.
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # included

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def label(self) -> str:
        return f"{self.first.day} {self.first:%b %Y} – {self.last.day} {self.last:%b %Y}"


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def period_for(choice: str, *, today: date, first: date | None = None, last: date | None = None):
    """The Period a picker choice means on `today` (custom needs first and last)."""
    if choice == THIS_MONTH:
        start = today.replace(day=1)
        return Period(start, _month_end(start))
    if choice == LAST_MONTH:
        end = today.replace(day=1) - timedelta(days=1)
        return Period(end.replace(day=1), end)
    if choice == THIS_QUARTER:
        start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return Period(start, _month_end(date(start.year, start.month + 2, 1)))
    if choice == THIS_YEAR:
        return Period(date(today.year, 1, 1), date(today.year, 12, 31))
    if choice == CUSTOM:
        if first is None or last is None:
            raise ValueError("A custom period needs a first and a last day.")
        if last < first:
            raise ValueError("The last day comes before the first.")
        if (last - first).days + 1 > MAX_DAYS:
            raise ValueError("Choose at most three years.")
        return Period(first, last)
    raise ValueError(f"Unknown period: {choice}")


def weeks(period: Period) -> list[date]:
    """Mondays of the weeks that meet the period (a week runs Monday to Sunday)."""
    monday = period.first - timedelta(days=period.first.weekday())
    found = []
    while monday <= period.last:
        found.append(monday)
        monday += timedelta(days=7)
    return found


def _overlap(a_start, a_end, b_start, b_end) -> timedelta:
    return max(timedelta(0), min(a_end, b_end) - max(a_start, b_start))


def _merged(intervals):
    """Overlapping time off merged, so an hour off twice is taken off once."""
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def merged_weekly(hours):
    """Weekly (weekday, start, end, tzinfo) rows merged where they overlap or touch.

    The union of several people's hours: a room is open while anyone works.
    Rows of one location share its clock, so comparing wall times is sound.
    """
    by_day = {}
    for weekday, start, end, tz in hours:
        by_day.setdefault((weekday, tz), []).append((start, end))
    merged = []
    for (weekday, tz), spans in sorted(by_day.items(), key=lambda item: item[0][0]):
        for start, end in _merged(spans):
            merged.append((weekday, start, end, tz))
    return merged


def working_time_by_week(period: Period, hours, time_off) -> dict[date, timedelta]:
    """Working time per week (keyed by its Monday), less time off, within the period.

    `hours`: (weekday, start_time, end_time, tzinfo) per weekly working-hours
    row, on its location's clock; `time_off`: (starts_at, ends_at) aware
    instants. Overlapping working-hours rows are not merged: the setup screens
    refuse them.
    """
    totals = {monday: timedelta(0) for monday in weeks(period)}
    by_weekday = {}
    for weekday, start, end, tz in hours:
        by_weekday.setdefault(weekday, []).append((start, end, tz))
    off = _merged(time_off)
    day = period.first
    while day <= period.last:
        for start, end, tz in by_weekday.get(day.weekday(), ()):
            # In UTC: Python subtracts same-zone datetimes by wall clock, so a
            # shift on a daylight-saving day would keep its nominal length.
            begins = datetime.combine(day, start, tzinfo=tz).astimezone(UTC)
            ends = datetime.combine(day, end, tzinfo=tz).astimezone(UTC)
            if ends <= begins:
                continue
            worked = ends - begins
            for off_start, off_end in off:
                worked -= _overlap(begins, ends, off_start, off_end)
            totals[day - timedelta(days=day.weekday())] += max(worked, timedelta(0))
        day += timedelta(days=1)
    return totals
