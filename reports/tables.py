"""Report rows as tables: the one shape both the page and its CSV are written from.

Pure (no models): a table's cells are the selectors' numbers, so the CSV can
only say what the page says.
"""

from dataclasses import dataclass, field

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
        """Rows for the page: each cell paired with its column's kind."""
        kinds = [column.kind for column in self.columns]
        return [
            {"hidden": row["hidden"], "cells": list(zip(kinds, row["cells"], strict=False))}
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
    for row in data["rows"]:
        table.add(
            row["therapist"],
            row["week"].isoformat(),
            row["booked_hours"],
            row["working_hours"],
            row["percent"],
        )
    return table


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
                Column("Appointments due"),
                Column("No-shows"),
                Column("No-show %", PERCENT),
                Column("Late cancellations"),
                Column("Late-cancel %", PERCENT),
            ],
            empty="No appointments in this period. Choose another period.",
        )
        for row in data[key]:
            table.add(
                row["name"],
                row["due"],
                row["no_shows"],
                row["no_show_percent"],
                row["late_cancels"],
                row["late_cancel_percent"],
            )
        tables.append(table)
    return tables


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
