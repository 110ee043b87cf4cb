"""Reading other systems' CSV exports: bytes to rows, and values to Python.

Pure: no models. Everything here takes and returns plain values and raises
`CsvProblem` with a sentence a clinic owner can act on.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, time, timedelta

MAX_BYTES = 5 * 1024 * 1024
# A dry run and a confirm each run in the request: 2,000 clients take about
# 3 and 15 s on a busy 2-core machine (bench/imports.py).
MAX_ROWS = 2000
# Longer than any real name, address or note; csv's own limit (128 kB) would
# raise mid-file, this one gives the row number.
MAX_FIELD_CHARS = 2000
DELIMITERS = ",;\t|"
DATE_ORDERS = {
    "ymd": "2026-03-31 (year first)",
    "mdy": "03/31/2026 (month first)",
    "dmy": "31/03/2026 (day first)",
}


class CsvProblem(ValueError):
    """The file (or a value in it) cannot be read; the message says why."""


@dataclass(frozen=True)
class Table:
    headers: list[str]
    # (line number of the record's first line in the file, values by header)
    rows: list[tuple[int, dict[str, str]]]


def decode(raw: bytes) -> tuple[str, str]:
    """The text of an uploaded file and the encoding it was read with.

    Excel writes UTF-8 with a byte-order mark, "Unicode text" as UTF-16, and
    older Windows exports as Windows-1252; anything else that is not UTF-8 is
    read as Latin-1, which decodes every byte.
    """
    if not raw.strip():
        raise CsvProblem("The file is empty.")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise CsvProblem("The file says it is UTF-16 but is not.") from exc
    if b"\x00" in raw:
        raise CsvProblem("This is not a text file (it holds binary data). Export it as CSV.")
    for codec, label in (("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252")):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec == "utf-8-sig" and raw.startswith(b"\xef\xbb\xbf"):
            label = "UTF-8 with BOM"
        return text, label
    return raw.decode("latin-1"), "Latin-1"


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon (European Excel), tab or pipe, from the first lines."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = text.splitlines()[0] if text.splitlines() else ""
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def read_table(text: str, delimiter: str) -> Table:
    """Headers and rows; each row keeps the line it starts on, as a spreadsheet numbers it."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header_row = next(reader, None)
        if header_row is None:
            raise CsvProblem("The file is empty.")
        headers = _headers(header_row)
        rows = []
        line = reader.line_num
        for values in reader:
            start, line = line + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(rows) == MAX_ROWS:
                raise CsvProblem(f"The file has more than {MAX_ROWS:,} rows; split it in parts.")
            for value in values:
                if len(value) > MAX_FIELD_CHARS:
                    raise CsvProblem(
                        f"Line {start} has a value of {len(value):,} characters; "
                        f"at most {MAX_FIELD_CHARS:,} are read. Is the delimiter right?"
                    )
            if len(values) > len(headers) and any(v.strip() for v in values[len(headers) :]):
                raise CsvProblem(
                    f"Line {start} has {len(values)} values but the header names "
                    f"{len(headers)} columns."
                )
            cells = {
                h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(headers)
            }
            rows.append((start, cells))
    except csv.Error as exc:
        raise CsvProblem(f"Line {reader.line_num} cannot be read as CSV ({exc}).") from exc
    if not rows:
        raise CsvProblem("The file has a header line but no rows.")
    return Table(headers=headers, rows=rows)


def _headers(row: list[str]) -> list[str]:
    headers, seen = [], set()
    for index, raw in enumerate(row, start=1):
        name = " ".join(raw.split())[:80] or f"Column {index}"
        if len(raw) > MAX_FIELD_CHARS:
            raise CsvProblem("The first line is not a header line (a column name is too long).")
        if name.casefold() in seen:
            name = f"{name} ({index})"
        seen.add(name.casefold())
        headers.append(name)
    if len(headers) < 2:
        raise CsvProblem(
            "Only one column was found. Export the file as CSV with a header line "
            "(comma, semicolon or tab separated)."
        )
    return headers


def normalise_header(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.casefold()).strip()


def guess_mapping(headers: list[str], synonyms: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Relief field -> file column, where a header names the field; each column used once."""
    by_name = {normalise_header(h): h for h in headers}
    mapping, used = {}, set()
    for field, names in synonyms.items():
        for name in names:
            header = by_name.get(name)
            if header and header not in used:
                mapping[field] = header
                used.add(header)
                break
    return mapping


# --- values ----------------------------------------------------------------

_DATE_SPLIT = re.compile(r"^(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,4})(?:[ T].*)?$")


def guess_date_order(values: list[str]) -> str:
    """The date order that reads the most samples; month first on a tie (US exports)."""
    matches = [m for m in (_DATE_SPLIT.match(v.strip()) for v in values) if m]
    if not matches or all(len(m.group(1)) == 4 for m in matches):
        return "ymd"
    samples = [m.group(0) for m in matches]

    def readable(order):
        count = 0
        for value in samples:
            try:
                parse_date(value, order)
            except CsvProblem:
                continue
            count += 1
        return count

    # max() keeps the first of equals: the order of this tuple breaks ties.
    return max(("mdy", "dmy", "ymd"), key=readable)


def parse_date(value: str, order: str) -> date:
    match = _DATE_SPLIT.match(value.strip())
    if not match:
        raise CsvProblem(f"“{value[:40]}” is not a date.")
    a, b, c = match.groups()
    if len(a) == 4:
        year, month, day = a, b, c
    elif order == "dmy":
        day, month, year = a, b, c
    else:
        month, day, year = a, b, c
    if len(year) == 2:
        # Two-digit years: the other system's century guess, as Excel makes it.
        year = ("20" if int(year) < 30 else "19") + year
    try:
        parsed = date(int(year), int(month), int(day))
    except ValueError as exc:
        raise CsvProblem(f"“{value[:40]}” is not a date ({DATE_ORDERS[order]}).") from exc
    if not 1900 <= parsed.year <= 2200:
        raise CsvProblem(f"“{value[:40]}” is not a plausible date.")
    return parsed


_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?(?::(\d{2}))?\s*([ap]\.?m\.?)?$", re.IGNORECASE)


def parse_time(value: str) -> time:
    """14:30, 2:30 PM, 2pm, 14.30, 14h30, 14:30:00."""
    match = _TIME.match(value.strip())
    if not match:
        raise CsvProblem(f"“{value[:40]}” is not a time.")
    hour, minute, second, meridiem = match.groups()
    hour, minute = int(hour), int(minute or 0)
    if meridiem:
        if not 1 <= hour <= 12:
            raise CsvProblem(f"“{value[:40]}” is not a time.")
        hour = hour % 12 + (12 if meridiem[0].lower() == "p" else 0)
    elif minute == 0 and match.group(2) is None:
        raise CsvProblem(f"“{value[:40]}” is not a time (write it as 14:00 or 2 PM).")
    if hour > 23 or minute > 59 or int(second or 0) > 59:
        raise CsvProblem(f"“{value[:40]}” is not a time.")
    return time(hour, minute)


_DURATION = re.compile(
    r"^(?:(\d{1,2}):(\d{2})|(?:(\d{1,2})\s*h(?:ours?|rs?)?)?\s*(?:(\d{1,3})\s*m(?:in(?:ute)?s?)?)?"
    r"|(\d{1,3}))$",
    re.IGNORECASE,
)


def parse_duration(value: str) -> timedelta:
    """60, 60 min, 1h, 1h 30m, 1:30, 90 minutes."""
    match = _DURATION.match(value.strip())
    if not match or not value.strip():
        raise CsvProblem(f"“{value[:40]}” is not a duration (write minutes, e.g. 60).")
    clock_h, clock_m, hours, minutes, bare = match.groups()
    if bare is not None:
        total = int(bare)
    elif clock_h is not None:
        total = int(clock_h) * 60 + int(clock_m)
    else:
        total = int(hours or 0) * 60 + int(minutes or 0)
    if not 5 <= total <= 12 * 60:
        raise CsvProblem(f"“{value[:40]}” is not a plausible session length.")
    return timedelta(minutes=total)


def parse_yes_no(value: str) -> bool:
    word = value.strip().casefold()
    if word in {"yes", "y", "true", "1", "x", "opted in", "on"}:
        return True
    if word in {"no", "n", "false", "0", "", "opted out", "off"}:
        return False
    raise CsvProblem(f"“{value[:40]}” is neither yes nor no.")


def split_full_name(value: str) -> tuple[str, str]:
    """ "Last, First" or "First Middle Last" -> (first, last)."""
    value = " ".join(value.split())
    if "," in value:
        last, _, first = value.partition(",")
        return first.strip(), last.strip()
    first, _, last = value.rpartition(" ")
    if not first:
        raise CsvProblem(f"“{value[:40]}” is not a first and last name.")
    return first, last
