"""Small builders shared by the scheduling tests."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from tests.factories import WorkingHoursFactory


def works_every_day(therapist, location, start=time(8), end=time(20)):
    for weekday in range(7):
        WorkingHoursFactory(
            therapist=therapist, location=location, weekday=weekday, start_time=start, end_time=end
        )


def local_day(location, days_ahead=5):
    tz = ZoneInfo(location.time_zone)
    return timezone.localdate(timezone.now(), tz) + timedelta(days=days_ahead)


def local_at(location, day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(location.time_zone))


def slot_value(therapist, location, starts_at):
    utc = starts_at.astimezone(ZoneInfo("UTC"))
    return f"{therapist.pk}|{location.pk}|{utc:%Y-%m-%dT%H:%M}"


def next_clock_change(location, *, back: bool):
    """The next local day (from tomorrow) on which the location's clocks go back
    (`back`) or forward; a test on it runs the same whatever today is."""
    tz = ZoneInfo(location.time_zone)
    day = local_day(location, 1)
    for _ in range(400):
        midnight = datetime.combine(day, time(0), tzinfo=tz).utcoffset()
        noon = datetime.combine(day, time(12), tzinfo=tz).utcoffset()
        if (noon < midnight) if back else (noon > midnight):
            return day
        day += timedelta(days=1)
    raise AssertionError(f"{location.time_zone} changes no clocks within a year")
