from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from .models import Appointment, Location


def default_location() -> Location | None:
    return Location.objects.order_by("pk").first()


def local_day_bounds(day, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC-aware bounds of a local calendar day (23 or 25 hours on DST days)."""
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def appointments_for_day(*, day, tz: ZoneInfo, therapist=None):
    start, end = local_day_bounds(day, tz)
    qs = (
        Appointment.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("client", "therapist", "service", "room")
        .order_by("starts_at", "therapist__display_name")
    )
    if therapist is not None:
        qs = qs.filter(therapist=therapist)
    return qs
