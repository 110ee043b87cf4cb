"""Report rows as tables: the one shape both the page and its CSV are written from.

Pure (no models): a table's cells are the selectors' numbers, so the CSV can
only say what the page says.
"""

from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import NamedTuple

from . import statistics

TEXT, MONEY, NUMBER, PERCENT = "text", "money", "number", "percent"


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = NUMBER


@dataclass
class Table:
    slug: str
    title: str
    columns: list
    rows: list = field(default_factory=list)  # each {"cells": [...], "hidden": bool}
    empty: str = "Nothing in this period yet."
    caption: str = ""

    def add(self, *cells):
        self.rows.append({"cells": list(cells), "hidden": False})

    def add_hidden(self, name):
        self.rows.append({"cells": [name], "hidden": True})

    @property
    def display_rows(self):
        """Rows for the page: each cell paired with its column's kind.

        Numbers arrive as the strings the CSV writes: the page then says exactly
        what the download says, and a year of weekly rows skips the template's
        number localisation (a third of the utilisation page's time).
        """
        kinds = [column.kind for column in self.columns]
        return [
            {
                "hidden": row["hidden"],
                "cells": [
                    (kind, str(cell) if kind in (NUMBER, PERCENT) and cell is not None else cell)
                    for kind, cell in zip(kinds, row["cells"], strict=False)
                ],
            }
            for row in self.rows
        ]

    @property
    def hidden_reason(self):
        return statistics.HIDDEN_REASON

    @property
    def hidden_span(self):
        return len(self.columns) - 1

    def csv_rows(self):
        yield [column.label for column in self.columns]
        for row in self.rows:
            if row["hidden"]:
                yield [row["cells"][0], statistics.HIDDEN_REASON] + [""] * (len(self.columns) - 2)
            else:
                yield ["" if cell is None else str(cell) for cell in row["cells"]]


def revenue_tables(data) -> list[Table]:
    tables = []
    for slug, title, key, first in (
        ("revenue-therapist", "Revenue by therapist", "by_therapist", "Therapist"),
        ("revenue-service", "Revenue by service", "by_service", "Service"),
        ("revenue-method", "Revenue by payment method", "by_method", "Method"),
    ):
        table = Table(
            slug,
            title,
            [
                Column(first, TEXT),
                Column("Payments"),
                Column("Received", MONEY),
                Column("Refunded", MONEY),
                Column("Net", MONEY),
            ],
            empty="No payments or refunds in this period. Take payments at checkout "
            "from an appointment page, or choose another period.",
        )
        for row in data[key]:
            table.add(row["name"], row["payments"], row["received"], row["refunded"], row["net"])
        tables.append(table)
    return tables


def utilisation_table(data) -> Table:
    table = Table(
        "utilisation",
        "Utilisation by therapist per week",
        [
            Column("Therapist", TEXT),
            Column("Week of", TEXT),
            Column("Booked hours"),
            Column("Working hours"),
            Column("Utilisation %", PERCENT),
        ],
        empty="No working hours or bookings in this period. Set weekly hours under "
        "Setup, or choose another period.",
    )
    iso = _iso_weeks(data)
    table.rows = [
        {
            "cells": [
                row["therapist"],
                iso[row["week"]],
                row["booked_hours"],
                row["working_hours"],
                row["percent"],
            ],
            "hidden": False,
        }
        for row in data["rows"]
    ]
    return table


def _iso_weeks(data) -> dict:
    # A year's Mondays written once, not once per therapist or room.
    return {monday: monday.isoformat() for monday in data["weeks"]}


def room_utilisation_table(data) -> Table:
    table = Table(
        "utilisation-room",
        "Utilisation by room per week",
        [
            Column("Room", TEXT),
            Column("Location", TEXT),
            Column("Week of", TEXT),
            Column("Booked hours"),
            Column("Open hours"),
            Column("Utilisation %", PERCENT),
        ],
        empty="No rooms with opening hours or bookings in this period. Add rooms under "
        "Setup and book services that need a room, or choose another period.",
    )
    iso = _iso_weeks(data)
    table.rows = [
        {
            "cells": [
                row["room"],
                row["location"],
                iso[row["week"]],
                row["booked_hours"],
                row["open_hours"],
                row["percent"],
            ],
            "hidden": False,
        }
        for row in data["rooms"]
    ]
    return table


def _share_cells(result):
    """Share, then its 95% interval, as percentages."""
    return [result.percent, result.low_percent, result.high_percent]


def _share_columns(what):
    return [
        Column(f"{what} %", PERCENT),
        Column("95% CI low %", PERCENT),
        Column("95% CI high %", PERCENT),
    ]


def attendance_tables(data) -> list[Table]:
    tables = []
    for slug, title, key, first in (
        (
            "attendance-therapist",
            "No-shows and late cancellations by therapist",
            "by_therapist",
            "Therapist",
        ),
        (
            "attendance-service",
            "No-shows and late cancellations by service",
            "by_service",
            "Service",
        ),
    ):
        table = Table(
            slug,
            title,
            [
                Column(first, TEXT),
                Column("Clients"),
                Column("Appointments due"),
                Column("No-shows"),
                *_share_columns("No-show"),
                Column("Late cancellations"),
                *_share_columns("Late-cancel"),
            ],
            empty="No appointments in this period. Choose another period.",
        )
        for row in data[key]:
            if row["no_show"].hidden:
                table.add_hidden(row["name"])
                continue
            table.add(
                row["name"],
                row["clients"],
                row["due"],
                row["no_shows"],
                *_share_cells(row["no_show"]),
                row["late_cancels"],
                *_share_cells(row["late_cancel"]),
            )
        tables.append(table)
    return tables


CLIENTS_EMPTY = "No visits in this period. Choose another period."


def clientele_tables(*, flow, rebooking, retention) -> list[Table]:
    new = Table(
        "clients-new",
        "New and returning clients",
        [
            Column("Therapist", TEXT),
            Column("Clients seen"),
            Column("New"),
            Column("Returning"),
            *_share_columns("New"),
        ],
        empty=CLIENTS_EMPTY,
    )
    for row in flow:
        if row["result"].hidden:
            new.add_hidden(row["name"])
        else:
            new.add(
                row["name"],
                row["clients"],
                row["new"],
                row["returning"],
                *_share_cells(row["result"]),
            )
    rebooked = Table(
        "clients-rebooking",
        "Rebooking: a next appointment within 6 weeks of a visit",
        [
            Column("Therapist", TEXT),
            Column("Clients"),
            Column("Visits"),
            Column("Rebooked"),
            *_share_columns("Rebooked"),
        ],
        empty="No visit in this period is 6 weeks old yet. Choose an earlier period.",
    )
    for row in rebooking:
        if row["result"].hidden:
            rebooked.add_hidden(row["name"])
        else:
            rebooked.add(
                row["name"],
                row["clients"],
                row["visits"],
                row["rebooked"],
                *_share_cells(row["result"]),
            )
    retained = Table(
        "clients-retention",
        "Retention: clients seen again within 90 days",
        [
            Column("Therapist", TEXT),
            Column("Clients"),
            Column("Seen again"),
            *_share_columns("Retained"),
        ],
        empty="No first visit in this period is 90 days old yet. Choose an earlier period.",
    )
    for row in retention:
        if row["result"].hidden:
            retained.add_hidden(row["name"])
        else:
            retained.add(row["name"], row["clients"], row["returned"], *_share_cells(row["result"]))
    return [new, rebooked, retained]


SHARE_COLUMNS = [
    Column("Clients"),
    Column("Improved meaningfully"),
    Column("Share %", PERCENT),
    Column("95% CI low %", PERCENT),
    Column("95% CI high %", PERCENT),
]
OUTCOME_EMPTY = (
    "No client has two pain scores in this period yet. Pain is recorded before and "
    "after each session in the note; choose a longer period to see more."
)


def improvement_tables(data) -> list[Table]:
    tables = []
    for slug, title, key, first in (
        ("improvement-overall", "Meaningful pain improvement, all clients", None, "Group"),
        (
            "improvement-therapist",
            "Meaningful pain improvement by therapist",
            "by_therapist",
            "Therapist",
        ),
        (
            "improvement-technique",
            "Meaningful pain improvement by the technique received most",
            "by_technique",
            "Technique",
        ),
        (
            "improvement-plan",
            "Meaningful pain improvement by treatment plan status",
            "by_plan_status",
            "Plan status",
        ),
    ):
        table = Table(slug, title, [Column(first, TEXT), *SHARE_COLUMNS], empty=OUTCOME_EMPTY)
        rows = [{"name": "All clients", "result": data["overall"]}] if key is None else data[key]
        for row in rows:
            result = row["result"]
            if key is None and result.n == 0:
                continue
            if result.hidden:
                table.add_hidden(row["name"])
            else:
                table.add(
                    row["name"],
                    result.n,
                    result.successes,
                    result.percent,
                    result.low_percent,
                    result.high_percent,
                )
        tables.append(table)
    return tables


def session_change_table(rows) -> Table:
    table = Table(
        "session-change",
        "Median change in pain from before to after a session, by technique",
        [
            Column("Technique", TEXT),
            Column("Clients"),
            Column("Sessions"),
            Column("Median change (points)"),
            Column("95% CI low"),
            Column("95% CI high"),
        ],
        empty="No session has both a before and an after pain score in this period. "
        "Record pain after the session in the note to see this.",
    )
    for row in rows:
        result = row["result"]
        if result.hidden:
            table.add_hidden(row["name"])
        else:
            table.add(
                row["name"], result.n, row["sessions"], result.median, result.low, result.high
            )
    return table


def peg_review_tables(data) -> list[Table]:
    tables = []
    for slug, title, key, first in (
        ("peg-overall", "PEG-3 change over plans that reached their review", "overall", "Group"),
        ("peg-status", "PEG-3 change at review by plan status", "by_status", "Plan status"),
        ("peg-therapist", "PEG-3 change at review by therapist", "by_therapist", "Therapist"),
    ):
        table = Table(
            slug,
            title,
            [
                Column(first, TEXT),
                Column("Clients"),
                Column("Median change (points)"),
                Column("95% CI low"),
                Column("95% CI high"),
                Column("Improved meaningfully"),
                *_share_columns("Improved"),
            ],
            empty="No treatment plan with a PEG-3 at its start and at its review came to "
            "review in this period. Set a review date on plans and record a PEG-3 at the "
            "review; choose a longer period to see more.",
        )
        for row in data[key]:
            change, improved = row["change"], row["improved"]
            if change.hidden:
                table.add_hidden(row["name"])
            else:
                table.add(
                    row["name"],
                    change.n,
                    change.median,
                    change.low,
                    change.high,
                    improved.successes,
                    *_share_cells(improved),
                )
        tables.append(table)
    return tables


def recall_table(page, *, weeks, tz) -> Table:
    """The recall list as a table (the CSV); the page renders its own rows with links."""
    table = Table(
        "recall",
        f"Clients due for a visit: last seen over {weeks} weeks ago, nothing booked",
        [
            Column("Client", TEXT),
            Column("Phone", TEXT),
            Column("Email", TEXT),
            Column("Last visit", TEXT),
            Column("Last seen by", TEXT),
            Column("Active plan", TEXT),
            Column("Contacted at", TEXT),
            Column("Contacted by", TEXT),
            Column("Contact note", TEXT),
        ],
        empty="No one is due: every client seen in the last year has a booking or was seen "
        "recently. Try a shorter time since the last visit.",
    )
    for client in page:
        table.add(
            client.full_name,
            str(client.phone) if client.phone else "",
            client.email,
            client.last_visit_day.isoformat(),
            client.last_therapist or "",
            "yes" if client.active_plan else "no",
            *_contact_cells(client.contact, tz),
        )
    return table


def _contact_cells(contact, tz):
    if contact is None:
        return ["", "", ""]
    who = contact.contacted_by
    name = (who.get_full_name() or who.get_username()) if who is not None else ""
    return [contact.contacted_at.astimezone(tz).isoformat(timespec="minutes"), name, contact.note]


class GridCell(NamedTuple):
    """One week of one row: the CSV row's strings, shown as they are written.

    A tuple, not a frozen dataclass: a year at the chain is 10,000 cells, and
    a frozen dataclass's __init__ sets each field through object.__setattr__.
    """

    percent: str  # "–" when there were bookings but no hours
    booked: str
    available: str


@dataclass
class WeekGrid:
    """A per-week table folded into one row per name and one column per week.

    Built from the Table itself, so the page shows the CSV's figures: a year
    of 25 therapists is 25 rows of 53 cells instead of 1,325 rows of five.
    """

    table: Table
    weeks: list  # (ISO date, short label)
    rows: list  # each {"name": str, "cells": [GridCell or None]}


def week_grid(table: Table, *, keys: int = 1) -> WeekGrid:
    """Cells are [name columns..., week, booked, available, percent], as in the tables above."""
    weeks = sorted({row["cells"][keys] for row in table.rows})
    column = {week: i for i, week in enumerate(weeks)}
    name_of = itemgetter(*range(keys))  # a string, or a tuple of the name columns
    week_of = itemgetter(keys)
    figures_of = itemgetter(keys + 1, keys + 2, keys + 3)
    rows = {}
    # One GridCell per distinct figure triple: a year at the chain is 10,000
    # cells but far fewer triples, and writing a float and two Decimals as
    # strings cost most of building the grid. Sound because figures equal as
    # numbers are written alike: hours are quantized to the hundredth, and
    # percentages are floats.
    made = {}
    for row in table.rows:
        cells = row["cells"]
        name = name_of(cells)
        line = rows.get(name)
        if line is None:
            # Not setdefault: its default, a list as long as the year, was
            # built again for every week of every row.
            line = rows[name] = [None] * len(weeks)
        figures = figures_of(cells)
        cell = made.get(figures)
        if cell is None:
            booked, available, percent = figures
            cell = made[figures] = GridCell(
                "–" if percent is None else str(percent), str(booked), str(available)
            )
        line[column[week_of(cells)]] = cell
    labels = [(week, f"{date.fromisoformat(week):%d %b}") for week in weeks]
    return WeekGrid(
        table,
        labels,
        [{"name": n if keys == 1 else " · ".join(n), "cells": c} for n, c in rows.items()],
    )


def utilisation_chart(data) -> dict | None:
    """Each therapist's weekly percentages, one line each over every week of the period
    (None where the week has no row, or hours are missing)."""
    column = {monday: i for i, monday in enumerate(data["weeks"])}
    lines = {}
    for row in data["rows"]:
        values = lines.get(row["therapist"])
        if values is None:
            values = lines[row["therapist"]] = [None] * len(column)
        percent = row["percent"]
        values[column[row["week"]]] = None if percent is None else float(percent)
    if not lines:
        return None
    return {
        "labels": [monday.isoformat() for monday in data["weeks"]],
        "series": [{"label": name, "values": lines[name]} for name in sorted(lines)],
    }
