"""Calendar layout: place appointments, working hours and time off on a grid.

Pure computation over already loaded rows; one grid row is 15 minutes of
local wall-clock time, so templates position entries with CSS classes alone
(the CSP forbids style attributes).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache

ROW_MINUTES = 15
DEFAULT_FIRST_HOUR = 8
DEFAULT_LAST_HOUR = 19


@dataclass
class Block:
    row: int
    span: int
    item: object = None
    label: str = ""

    @property
    def colour_class(self) -> str:
        """The therapist colour class of an appointment block."""
        return colour_class(getattr(self.item, "therapist_colour", ""))

    @property
    def position(self) -> str:
        """The block's CSS position classes. Built here: every number a
        template prints goes through locale formatting, which was a large
        share of a busy calendar's render time."""
        return f"cal-row-{self.row} cal-span-{self.span}"


@dataclass
class Column:
    key: object
    label: str
    colour: str = ""
    day: date | None = None
    entries: list[Block] = field(default_factory=list)

    @property
    def colour_class(self) -> str:
        return colour_class(self.colour)

    work: list[Block] = field(default_factory=list)
    off: list[Block] = field(default_factory=list)


@dataclass
class Grid:
    first_hour: int
    last_hour: int
    columns: list[Column]

    @property
    def rows(self) -> int:
        return (self.last_hour - self.first_hour) * 60 // ROW_MINUTES

    @cached_property
    def hours(self) -> list[Block]:
        per_hour = 60 // ROW_MINUTES
        return [
            Block(row=n * per_hour + 1, span=per_hour, label=f"{self.first_hour + n:02d}:00")
            for n in range(self.last_hour - self.first_hour)
        ]

    @property
    def end_position(self) -> str:
        return f"cal-row-{self.rows}"


# Therapist colours as CSS classes (.tc-0 ... .tc-11 in calendar.css): the
# CSP allows no style attribute, so a chosen colour shows as the nearest of these.
PALETTE = (
    "#2f6f8f", "#2e7d32", "#6a1b9a", "#c62828", "#ef6c00", "#00838f",
    "#ad1457", "#4e342e", "#283593", "#9e9d24", "#00695c", "#546e7a",
)  # fmt: skip


# Cached: a day calendar asks for it once per block and column, with a few
# dozen distinct colours (it was a tenth of a busy day view's CPU time).
@lru_cache(maxsize=512)
def colour_class(colour: str) -> str:
    """The palette class nearest to a "#rrggbb" colour ("" for anything else)."""
    try:
        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    except (TypeError, ValueError):
        return ""
    if len(colour) != 7 or colour[0] != "#":
        return ""

    def distance(entry):
        pr, pg, pb = (int(entry[i : i + 2], 16) for i in (1, 3, 5))
        return (pr - r) ** 2 + (pg - g) ** 2 + (pb - b) ** 2

    best = min(range(len(PALETTE)), key=lambda n: distance(PALETTE[n]))
    return f"tc-{best}"


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def hour_range(times: list[tuple[time, time]]) -> tuple[int, int]:
    """First and last hour to draw: the default office day, widened to fit."""
    first, last = DEFAULT_FIRST_HOUR, DEFAULT_LAST_HOUR
    for start, end in times:
        first = min(first, start.hour)
        end_hour = end.hour + (1 if end.minute else 0)
        # An entry running past midnight is drawn to the end of the day.
        last = max(last, 24 if end <= start and end != time(0) else end_hour or 24)
    return first, min(last, 24)


def place(start: time, end: time, first_hour: int, last_hour: int) -> tuple[int, int] | None:
    """Grid row and span of a local [start, end), clipped to the drawn hours."""
    top = first_hour * 60
    bottom = last_hour * 60
    s = max(_minutes(start), top)
    e = _minutes(end) if end != time(0) and end > start else 24 * 60
    e = min(e, bottom)
    if e <= s:
        return None
    row = (s - top) // ROW_MINUTES + 1
    span = max(1, -(-(e - s) // ROW_MINUTES))
    return row, span


def local_span(start: datetime, end: datetime, day: date, tz) -> tuple[time, time] | None:
    """The part of an aware [start, end) on local `day`, as wall-clock times."""
    day_start = datetime.combine(day, time.min, tzinfo=tz)
    day_end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    if end <= day_start or start >= day_end:
        return None
    s = max(start, day_start).astimezone(tz).time()
    e = time(0) if end >= day_end else end.astimezone(tz).time()
    return s, e


def build_grid(columns: list[Column], spans: list[tuple[time, time]]) -> Grid:
    """A grid wide enough for every span, with hours labelled."""
    first, last = hour_range(spans)
    return Grid(first_hour=first, last_hour=last, columns=columns)


def add_block(grid: Grid, column: Column, kind: str, start: time, end: time, item=None, label=""):
    placed = place(start, end, grid.first_hour, grid.last_hour)
    if placed is not None:
        getattr(column, kind).append(Block(row=placed[0], span=placed[1], item=item, label=label))


# Therapist groups -------------------------------------------------------------

# Beyond this many therapists at a location, Today and the day calendar show a
# group. Twelve columns still leave a readable block per appointment on a
# laptop screen (about 90 px each at 1366 px); twenty did not, and a chain's
# busy location has twenty on shift at once.
GROUP_SIZE = 12
WORKING_NOW = "now"


@dataclass(frozen=True)
class TherapistGroup:
    key: str  # "now", "now2", ... or "g1", "g2", ... (the form value, remembered per user)
    label: str
    ids: frozenset

    @property
    def working_now(self) -> bool:
        return self.key.startswith(WORKING_NOW)


def _chunks(people: list, size: int) -> list[list]:
    """`people` in consecutive runs of at most `size`, of nearly equal length."""
    count = max(1, -(-len(people) // size))
    return [people[n * len(people) // count : (n + 1) * len(people) // count] for n in range(count)]


def _span_label(chunk) -> str:
    return f"{_first_word(chunk[0][1])} to {_first_word(chunk[-1][1])}"


def therapist_groups(
    therapists: list[tuple[int, str]], working_now=None, size: int = GROUP_SIZE
) -> list[TherapistGroup]:
    """The groups to choose from, or [] when everyone fits (`size` or fewer).

    `therapists`: (id, display name) in name order. Groups are consecutive in
    that order and of nearly equal size (45 therapists at 12: 11, 11, 11, 12),
    so a name is always in the same group on the same day. `working_now`: the
    ids on shift at this moment (None on another day than today), offered
    first; more of them than `size` are split the same way ("Working now: A
    to K (9)", then "L to Z"), so no choice draws more than `size` columns.
    """
    if len(therapists) <= size:
        return []
    groups = []
    if working_now is not None:
        on_shift = [(tid, name) for tid, name in therapists if tid in working_now]
        parts = _chunks(on_shift, size)
        for n, chunk in enumerate(parts):
            key = WORKING_NOW if n == 0 else f"{WORKING_NOW}{n + 1}"
            label = (
                f"Working now ({len(chunk)})"
                if len(parts) == 1
                else f"Working now: {_span_label(chunk)} ({len(chunk)})"
            )
            groups.append(TherapistGroup(key, label, frozenset(t for t, _ in chunk)))
    for n, chunk in enumerate(_chunks(therapists, size)):
        groups.append(
            TherapistGroup(
                f"g{n + 1}", f"{_span_label(chunk)} ({len(chunk)})", frozenset(t for t, _ in chunk)
            )
        )
    return groups


def choose_group(groups: list[TherapistGroup], wanted: str) -> TherapistGroup | None:
    """The wanted group if offered; else the first of those working now when
    anyone is, else the first group by name."""
    if not groups:
        return None
    by_key = {g.key: g for g in groups}
    if wanted in by_key:
        return by_key[wanted]
    now = by_key.get(WORKING_NOW)
    if now is not None and now.ids:
        return now
    return next(g for g in groups if not g.working_now)


def _first_word(name: str) -> str:
    return (name.split() or ["?"])[0].rstrip(",")


# Today at the desk ------------------------------------------------------------

# Today opens on what the desk acts on next: whoever is in now, who finished
# within the hour (checkout) and who arrives in the next three hours. A busy
# location's whole day (over a hundred rows) is one link away, not rendered
# for every look at the page.
TODAY_BEHIND = timedelta(hours=1)
TODAY_AHEAD = timedelta(hours=3)
TODAY_WINDOW_LABEL = "the last hour and the next three"  # of the two above
# Checked in and not yet completed: in the building, whatever the clock says.
STILL_HERE = frozenset({"checked_in"})


@dataclass(frozen=True)
class DayWindow:
    shown: list
    earlier: int  # left out: ended before the window
    later: int  # left out: start after it

    @property
    def left_out(self) -> int:
        return self.earlier + self.later


def today_window(
    entries, now: datetime, *, keep=frozenset(), behind=TODAY_BEHIND, ahead=TODAY_AHEAD
) -> DayWindow:
    """The entries (in start order) that meet [now - behind, now + ahead), anyone
    still checked in and the pks in `keep` (earlier visits still to check out);
    how many of the others ended earlier and start later."""
    shown, earlier, later = [], 0, 0
    since, until = now - behind, now + ahead
    for entry in entries:
        if entry.status in STILL_HERE or entry.pk in keep:
            shown.append(entry)
        elif entry.ends_at <= since:
            earlier += 1
        elif entry.starts_at >= until:
            later += 1
        else:
            shown.append(entry)
    return DayWindow(shown=shown, earlier=earlier, later=later)
