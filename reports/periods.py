"""Report periods and working time, over dates and times (pure: no models).

A period is a range of local calendar days [first, last], both included; the
selectors turn it into instants on the location's clock.
"""

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

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
    return list(_mondays(period))


@functools.lru_cache(maxsize=64)
def _mondays(period: Period) -> tuple[date, ...]:
    # Cached: working_time_by_week asks once per therapist (100 at the chain).
    monday = period.first - timedelta(days=period.first.weekday())
    found = []
    while monday <= period.last:
        found.append(monday)
        monday += timedelta(days=7)
    return tuple(found)


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


def shift_length(day: date, start, end, tz, time_off=()) -> timedelta:
    """One weekly-hours row worked on `day`, less the (merged) time off it meets."""
    # In UTC: Python subtracts same-zone datetimes by wall clock, so a shift on
    # a daylight-saving day would keep its nominal length.
    begins = datetime.combine(day, start, tzinfo=tz).astimezone(UTC)
    ends = datetime.combine(day, end, tzinfo=tz).astimezone(UTC)
    if ends <= begins:
        return timedelta(0)
    worked = ends - begins
    for off_start, off_end in time_off:
        worked -= _overlap(begins, ends, off_start, off_end)
    return max(worked, timedelta(0))


def _nominal(start, end) -> timedelta:
    """A row's length on an ordinary day: its wall-clock span."""
    span = datetime.combine(date.min, end) - datetime.combine(date.min, start)
    return max(span, timedelta(0))


@functools.lru_cache(maxsize=64)
def _clock_change_days(period: Period, tz) -> frozenset[date]:
    """Days of the period whose UTC offset is not the same from first to last minute."""
    found = set()
    day = period.first
    while day <= period.last:
        if tz.utcoffset(datetime.combine(day, time.min)) != tz.utcoffset(
            datetime.combine(day, time.max)
        ):
            found.add(day)
        day += timedelta(days=1)
    return frozenset(found)


def _days_touched(period: Period, time_off, zones) -> set[date]:
    """Local days of the period (on any of the zones) that some time off meets.

    A day either side as well: a shift's instants depend on its own zone, and
    a generous set only sends a few more days down the exact path.
    """
    found = set()
    for off_start, off_end in time_off:
        for tz in zones:
            day = max(off_start.astimezone(tz).date() - timedelta(days=1), period.first)
            last = min(off_end.astimezone(tz).date() + timedelta(days=1), period.last)
            while day <= last:
                found.add(day)
                day += timedelta(days=1)
    return found


def working_time_by_week(period: Period, hours, time_off) -> dict[date, timedelta]:
    """Working time per week (keyed by its Monday), less time off, within the period.

    `hours`: (weekday, start_time, end_time, tzinfo) per weekly working-hours
    row, on its location's clock; `time_off`: (starts_at, ends_at) aware
    instants. Overlapping working-hours rows are not merged: the setup screens
    refuse them.
    """
    worked = working_microseconds_by_week(period, hours, time_off)
    return {
        monday: timedelta(microseconds=micro)
        for monday, micro in zip(_mondays(period), worked, strict=True)
    }


_MICROSECOND = timedelta(microseconds=1)


def working_microseconds_by_week(period: Period, hours, time_off) -> list[int]:
    """`working_time_by_week` in whole microseconds, one per week in the order of `weeks`.

    Each week gets the weekly pattern's wall-clock total for its days inside
    the period; only the days a clock change or some time off touches are
    worked out instant by instant (`shift_length`), and their difference from
    the pattern applied. Walking every day that way cost most of a year's
    utilisation report. Integers, not timedeltas: the report reads a hundred
    therapists' years, and the pattern's weeks are shared by all who keep it.
    """
    by_weekday = {}
    for weekday, start, end, tz in hours:
        by_weekday.setdefault(weekday, []).append((start, end, tz))
    nominal = tuple(
        sum(_nominal_micro(start, end) for start, end, _ in by_weekday.get(weekday, ()))
        for weekday in range(7)
    )
    totals = list(_pattern_weeks(period, nominal))
    if not hours:
        return totals
    off = _merged(time_off)
    zones = {tz for _, _, _, tz in hours}
    special = _days_touched(period, off, zones)
    for tz in zones:
        special |= _clock_change_days(period, tz)
    first_monday = _mondays(period)[0]
    for day in special:
        correction = timedelta(0)
        for start, end, tz in by_weekday.get(day.weekday(), ()):
            correction += shift_length(day, start, end, tz, off) - _nominal(start, end)
        if correction:
            totals[(day - first_monday).days // 7] += correction // _MICROSECOND
    return totals


def _nominal_micro(start, end) -> int:
    """`_nominal` in microseconds, from the clock fields (no datetimes built)."""
    span = _micro_of_day(end) - _micro_of_day(start)
    return max(span, 0)


def _micro_of_day(moment) -> int:
    return (
        (moment.hour * 60 + moment.minute) * 60 + moment.second
    ) * 1_000_000 + moment.microsecond


@functools.lru_cache(maxsize=256)
def _pattern_weeks(period: Period, nominal: tuple[int, ...]) -> tuple[int, ...]:
    """A weekly pattern's wall-clock total (microseconds per weekday) per week of the period.

    Cached: a chain's therapists keep a handful of patterns between them.
    """
    full_week = sum(nominal)
    totals = []
    for monday in _mondays(period):
        if monday >= period.first and monday + timedelta(days=6) <= period.last:
            totals.append(full_week)
        else:
            first = max(monday, period.first)
            last = min(monday + timedelta(days=6), period.last)
            totals.append(
                sum(
                    nominal[(first + timedelta(days=i)).weekday()]
                    for i in range((last - first).days + 1)
                )
            )
    return tuple(totals)
