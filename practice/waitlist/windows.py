"""When a waitlist entry wants its time: pure, no models.

Times of day are read on the location's clock: a start before noon is
morning, from noon to 17:00 afternoon, from 17:00 evening. A range
(earliest, latest) bounds the start itself. Parts and range combine: a start
fits when it lies in any chosen part and inside the range; with neither, any
time fits.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

NOON = time(12, 0)
EVENING = time(17, 0)
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Window:
    date_from: date
    date_to: date
    weekdays: str = ""  # "0".."6", Monday first; empty: every day
    morning: bool = False
    afternoon: bool = False
    evening: bool = False
    earliest: time | None = None
    latest: time | None = None


def part_of_day(wall: time) -> str:
    if wall < NOON:
        return "morning"
    if wall < EVENING:
        return "afternoon"
    return "evening"


def fits(window: Window, local_start: datetime) -> bool:
    """Whether a start (aware, on the location's clock) is one the entry wants."""
    day, wall = local_start.date(), local_start.time().replace(tzinfo=None)
    if not window.date_from <= day <= window.date_to:
        return False
    if window.weekdays and str(day.weekday()) not in window.weekdays:
        return False
    parts = {name for name in ("morning", "afternoon", "evening") if getattr(window, name)}
    if parts and part_of_day(wall) not in parts:
        return False
    if window.earliest is not None and wall < window.earliest:
        return False
    return not (window.latest is not None and wall > window.latest)


def describe(window: Window) -> str:
    """ "Mon, Wed · mornings, evenings · 09:00-13:00", for lists and messages."""
    bits = []
    if window.weekdays:
        bits.append(", ".join(WEEKDAY_NAMES[int(d)] for d in sorted(set(window.weekdays))))
    parts = [name + "s" for name in ("morning", "afternoon", "evening") if getattr(window, name)]
    if parts:
        bits.append(", ".join(parts))
    if window.earliest or window.latest:
        start = f"{window.earliest:%H:%M}" if window.earliest else ""
        end = f"{window.latest:%H:%M}" if window.latest else ""
        bits.append(
            f"from {start}" if not end else (f"until {end}" if not start else f"{start}-{end}")
        )
    return " · ".join(bits) or "any time"
