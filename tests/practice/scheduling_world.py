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
