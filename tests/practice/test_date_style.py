"""One date style on every page: templates name the project's formats, never spell one."""

import re
from datetime import date, datetime
from pathlib import Path

from django.utils.formats import date_format

ROOT = Path(__file__).resolve().parents[2]
NAMED = {
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "MONTH_DAY_FORMAT",
    "YEAR_MONTH_FORMAT",
    "TIME_FORMAT",
}
# Not for reading: ISO dates in URLs and attributes, a bare time, a month's
# name; and a log's timestamp, which keeps its seconds in the same style.
MACHINE_OR_PART = {"Y-m-d", "H:i", "F", "j M Y, H:i:s"}


def _formats_in_templates():
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        for fmt in re.findall(r'\|date:"([^"]*)"', text):
            yield path.relative_to(ROOT), fmt
        for fmt in re.findall(r'\{% local_(?:time|span) [^%]*?"([^"]*)" %\}', text):
            yield path.relative_to(ROOT), fmt


def test_templates_use_the_named_date_formats():
    spelled = [
        f"{path}: {fmt}"
        for path, fmt in _formats_in_templates()
        if fmt not in NAMED | MACHINE_OR_PART
    ]
    assert spelled == []


def test_the_named_formats_put_the_day_before_the_month():
    day = date(2026, 12, 1)
    moment = datetime(2026, 12, 1, 14, 30)
    assert date_format(day, "DATE_FORMAT") == "Tue 1 Dec 2026"
    assert date_format(day, "SHORT_DATE_FORMAT") == "1 Dec 2026"
    assert date_format(moment, "DATETIME_FORMAT") == "Tue 1 Dec 2026, 14:30"
    assert date_format(moment, "SHORT_DATETIME_FORMAT") == "1 Dec 2026, 14:30"
    assert date_format(day, "MONTH_DAY_FORMAT") == "Tue 1 Dec"
