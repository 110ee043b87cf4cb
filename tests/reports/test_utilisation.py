"""Utilisation: booked hours over working hours (less time off), per therapist per week."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.urls import reverse

from practice.models import Appointment
from reports.tables import GridCell
from reports.templatetags.report_grid import grid_cells
from tests import factories
from tests.reports.conftest import MARCH, at, page_rows, read_csv

URL = reverse("reports:utilisation")
WEEK = {"period": "custom", "first": "2026-03-02", "last": "2026-03-08"}  # Monday to Sunday


@pytest.fixture
def week(therapist, other_therapist, location, book):
    # Dana works Monday and Tuesday 9-17 (16 h); two hours off on Tuesday leave 14 h.
    for weekday in (0, 1):
        factories.WorkingHoursFactory(
            therapist=therapist,
            location=location,
            weekday=weekday,
            start_time=time(9),
            end_time=time(17),
        )
    factories.TimeOffFactory(therapist=therapist, starts_at=at(3, 9), ends_at=at(3, 11))
    factories.WorkingHoursFactory(
        therapist=other_therapist,
        location=location,
        weekday=0,
        start_time=time(9),
        end_time=time(13),
    )
    book(therapist, when=at(2, 9), status=Appointment.Status.COMPLETED)
    book(therapist, when=at(2, 11), status=Appointment.Status.BOOKED)
    book(therapist, when=at(3, 12), status=Appointment.Status.CONFIRMED)
    # Neither holds the therapist's time.
    book(therapist, when=at(3, 14), status=Appointment.Status.CANCELLED)
    book(therapist, when=at(3, 16), status=Appointment.Status.NO_SHOW)
    book(other_therapist, when=at(2, 9))


@pytest.mark.django_db
def test_booked_over_working_hours_less_time_off(client_as, week):
    response = client_as("owner").get(URL, WEEK)
    rows = {row["cells"][0]: row["cells"] for row in response.context["tables"][0].rows}
    assert rows["Dana Reyes"] == [
        "Dana Reyes",
        "2026-03-02",
        Decimal("3.00"),
        Decimal("14.00"),
        21.4,
    ]
    assert rows["Sam Okafor"] == [
        "Sam Okafor",
        "2026-03-02",
        Decimal("1.00"),
        Decimal("4.00"),
        25.0,
    ]


@pytest.mark.django_db
def test_a_week_cut_by_the_period_counts_only_its_days_inside(client_as, week):
    # March starts on a Sunday: the week of 23 Feb holds one day of it, with no hours.
    response = client_as("owner").get(URL, MARCH)
    weeks = {(row["cells"][0], row["cells"][1]) for row in response.context["tables"][0].rows}
    assert ("Dana Reyes", "2026-02-23") not in weeks
    assert ("Dana Reyes", "2026-03-30") in weeks  # Monday 30 and Tuesday 31 March


@pytest.mark.django_db
def test_csv_matches_the_page_and_the_chart_has_one_line_per_therapist(client_as, week):
    http = client_as("owner")
    page = http.get(URL, WEEK)
    download = http.get(URL, {**WEEK, "format": "csv"})
    assert read_csv(download) == page_rows(page, "utilisation")
    chart = page.context["chart"]
    assert chart["labels"] == [date(2026, 3, 2).isoformat()]
    assert chart["series"] == [
        {"label": "Dana Reyes", "values": [21.4]},
        {"label": "Sam Okafor", "values": [25.0]},
    ]
    assert 'id="utilisation-chart-data"' in page.text


@pytest.mark.django_db
def test_a_therapist_sees_only_their_own_weeks(client_as, week, other_therapist):
    response = client_as("other_therapist").get(URL, {**WEEK, "therapist": ""})
    names = {row["cells"][0] for row in response.context["tables"][0].rows}
    assert names == {"Sam Okafor"}
    assert "Dana Reyes" not in response.text


@pytest.fixture
def rooms(week, therapist, other_therapist, location, book):
    """Rooms are open while anyone works there: Monday 9-17 (Dana's and Sam's hours
    merged) and Tuesday 9-17 make 16 open hours a week; Dana's time off does not
    close a room."""
    a, b = (factories.RoomFactory(location=location, name=name) for name in ("Room A", "Room B"))
    factories.RoomFactory(location=location, name="Old store", active=False)  # unused: absent
    book(therapist, when=at(5, 9), room=a, status=Appointment.Status.CONFIRMED)
    book(other_therapist, when=at(2, 14), room=a)
    book(other_therapist, when=at(2, 11), room=b)
    book(therapist, when=at(6, 9), room=b, status=Appointment.Status.CANCELLED)
    return a, b


@pytest.mark.django_db
def test_rooms_booked_over_the_locations_open_hours_per_week(client_as, rooms):
    response = client_as("owner").get(URL, WEEK)
    table = next(t for t in response.context["tables"] if t.slug == "utilisation-room")
    assert [row["cells"] for row in table.rows] == [
        ["Room A", "Relief Downtown", "2026-03-02", Decimal("2.00"), Decimal("16.00"), 12.5],
        ["Room B", "Relief Downtown", "2026-03-02", Decimal("1.00"), Decimal("16.00"), 6.2],
    ]
    download = client_as("owner").get(URL, {**WEEK, "format": "csv", "table": "utilisation-room"})
    assert read_csv(download) == page_rows(response, "utilisation-room")


@pytest.mark.django_db
def test_a_therapist_sees_only_their_own_hours_in_each_room(client_as, rooms):
    response = client_as("therapist").get(URL, WEEK)
    table = next(t for t in response.context["tables"] if t.slug == "utilisation-room")
    assert [row["cells"][:5] for row in table.rows] == [
        ["Room A", "Relief Downtown", "2026-03-02", Decimal("1.00"), Decimal("16.00")],
        ["Room B", "Relief Downtown", "2026-03-02", Decimal("0.00"), Decimal("16.00")],
    ]


@pytest.mark.django_db
def test_the_page_folds_the_weeks_into_one_row_per_therapist_with_the_csv_figures(client_as, week):
    http = client_as("owner")
    page = http.get(URL, MARCH)
    grid = page.context["grids"][0]
    csv_rows = read_csv(http.get(URL, {**MARCH, "format": "csv"}))[1:]
    assert [row["name"] for row in grid.rows] == ["Dana Reyes", "Sam Okafor"]
    assert len(csv_rows) > len(grid.rows)  # several weeks each, one row each
    weeks = [iso for iso, _label in grid.weeks]
    for name, monday, booked, working, percent in csv_rows:
        row = next(r for r in grid.rows if r["name"] == name)
        cell = row["cells"][weeks.index(monday)]
        assert (cell.percent, cell.booked, cell.available) == (percent or "–", booked, working)
        # Written in the cell itself, not only in a tooltip a phone cannot show.
        shown = f"{percent}%" if percent else "–"
        hours = f'<small class="d-block text-body-secondary">{booked} of {working} h</small>'
        assert f'<span class="d-block">{shown}</span>{hours}' in page.text
    # Every cell of the grid is a CSV row: nothing shown that the download lacks.
    filled = sum(cell is not None for row in grid.rows for cell in row["cells"])
    assert filled == len(csv_rows)
    assert 'id="table-utilisation"' in page.text


def test_grid_cells_escape_every_figure_however_often_it_repeats():
    cells = [
        GridCell("<b>", "1&2", '"3"'),
        None,
        GridCell("<b>", "1&2", '"3"'),
        GridCell("–", "0", "0"),
    ]
    html = grid_cells(cells)
    one = (
        '<td class="text-end"><span class="d-block">&lt;b&gt;%</span>'
        '<small class="d-block text-body-secondary">1&amp;2 of &quot;3&quot; h</small></td>'
    )
    dash = (
        '<td class="text-end"><span class="d-block">–</span>'
        '<small class="d-block text-body-secondary">0 of 0 h</small></td>'
    )
    assert html == one + "<td></td>" + one + dash
