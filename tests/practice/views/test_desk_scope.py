"""Today and the day calendar at a large practice: one location, remembered per
user, and beyond twelve therapists (`calendar.GROUP_SIZE`) one group of them or
those working now."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from practice import calendar, selectors
from practice.models import DeskView
from tests.factories import (
    AppointmentFactory,
    LocationFactory,
    ServiceFactory,
    TherapistFactory,
    WorkingHoursFactory,
)

pytestmark = pytest.mark.django_db


def _staff(location, count, *, on_shift=(), tz=None, book=1):
    """`count` therapists working a quarter of an hour today at `location` that
    is not now (from midnight, or from noon in the day's first hour), each with
    `book` appointments; those whose index is in `on_shift` work all day."""
    tz = ZoneInfo(location.time_zone)
    now = timezone.localtime(timezone.now(), tz)
    today = now.date()
    off_start = time(12) if now.hour == 0 else time(0)
    service = ServiceFactory(buffer_after=timedelta(0))
    made = []
    for n in range(count):
        therapist = TherapistFactory(display_name=f"T{n:03d} Therapist")
        if n in on_shift:
            WorkingHoursFactory(
                therapist=therapist,
                location=location,
                weekday=today.weekday(),
                start_time=time(0),
                end_time=time(23, 59, 59),
            )
        else:
            WorkingHoursFactory(
                therapist=therapist,
                location=location,
                weekday=today.weekday(),
                start_time=off_start,
                end_time=off_start.replace(minute=15),
            )
        for b in range(book):
            AppointmentFactory(
                therapist=therapist,
                service=service,
                location=location,
                starts_at=datetime.combine(today, time(9), tzinfo=tz) + timedelta(hours=b),
            )
        made.append(therapist)
    return made


def _rows(page):
    return page.content.count(b"list-group-item position-relative")


# The bookings are at fixed hours: these tests read the whole day, not the
# window of the next hours (tests/practice/views/test_today_window.py).
WHOLE_DAY = {"day": "all"}


def test_up_to_twelve_therapists_everyone_shows_without_groups(client_as, location):
    assert calendar.GROUP_SIZE == 12
    _staff(location, 12)
    page = client_as("front_desk").get(reverse("practice:home"), WHOLE_DAY)
    assert _rows(page) == 12
    assert b'name="group"' not in page.content


def test_beyond_twelve_today_shows_those_on_shift_first(client_as, location):
    therapists = _staff(location, 45, on_shift={3, 30})
    page = client_as("front_desk").get(reverse("practice:home"), WHOLE_DAY)
    body = page.content.decode()
    assert _rows(page) == 2
    assert "Working now (2)" in body
    assert therapists[3].display_name in body and therapists[30].display_name in body
    assert "Showing 2 of the 45 therapists" in body
    # Groups of nearly equal size in name order: 11, 11, 11, 12.
    assert "T000 to T010 (11)" in body and "T033 to T044 (12)" in body


def test_twenty_on_shift_at_once_show_in_two_groups_of_ten(client_as, location):
    """The chain's Downtown Tuesday: twenty therapists, all on shift. Twenty
    columns was the whole location; now "working now" comes in two halves."""
    therapists = _staff(location, 20, on_shift=set(range(20)))
    http = client_as("front_desk")
    body = http.get(reverse("practice:home"), WHOLE_DAY).content.decode()
    assert "Working now: T000 to T009 (10)" in body and "Working now: T010 to T019 (10)" in body
    assert "Showing 10 of the 20 therapists" in body
    page = http.get(reverse("practice:calendar_day"))
    assert page.content.count(b'class="cal-col" role="group"') == 10
    page = http.get(reverse("practice:calendar_day"), {"group": "now2"})
    assert page.content.count(b'class="cal-col" role="group"') == 10
    assert therapists[19].display_name.encode() in page.content
    assert therapists[0].display_name.encode() not in page.content


def test_a_chosen_group_shows_only_its_therapists_and_is_remembered(
    client_as, front_desk, location
):
    therapists = _staff(location, 45)
    http = client_as("front_desk")
    page = http.get(reverse("practice:home"), {"group": "g2", **WHOLE_DAY})
    body = page.content.decode()
    assert _rows(page) == 11
    assert therapists[11].display_name in body and therapists[10].display_name not in body
    assert DeskView.objects.get(user=front_desk).group == "g2"
    # The day calendar opens on the same group: eleven columns.
    page = http.get(reverse("practice:calendar_day"))
    assert page.content.count(b'class="cal-col" role="group"') == 11
    assert therapists[21].display_name.encode() in page.content


def test_nobody_on_shift_says_what_to_do(client_as, location):
    _staff(location, 25)
    body = client_as("front_desk").get(reverse("practice:home")).content.decode()
    # Nobody works now: the first group shows, and "working now" is still offered.
    assert "Working now (0)" in body
    assert "Showing 8 of the 25 therapists" in body
    body = client_as("front_desk").get(reverse("practice:home"), {"group": "now"}).content.decode()
    assert "Nobody in this view is on shift right now" in body


def test_the_location_is_remembered_per_user(client_as, owner, front_desk, location):
    other = LocationFactory(name="Relief Lakeside", time_zone="America/Chicago")
    _staff(other, 1)
    http = client_as("front_desk")
    http.get(reverse("practice:calendar_day"), {"location": other.pk})
    assert "Today at Relief Lakeside" in http.get(reverse("practice:home")).content.decode()
    page = http.get(reverse("practice:calendar_day")).content.decode()
    assert f'<option value="{other.pk}" selected>' in page
    # Someone else still opens on the first location.
    body = client_as("owner").get(reverse("practice:home")).content.decode()
    assert "Today at Relief Downtown" in body


@pytest.mark.parametrize(
    "junk", [{"location": "abc", "group": "g99"}, {"location": "-1", "group": "x" * 300}]
)
def test_junk_choices_fall_back_and_are_not_remembered(client_as, front_desk, location, junk):
    _staff(location, 25)
    http = client_as("front_desk")
    assert http.get(reverse("practice:home"), junk).status_code == 200
    assert http.get(reverse("practice:calendar_day"), junk).status_code == 200
    assert not DeskView.objects.filter(user=front_desk).exclude(group="").exists()


def test_a_therapist_still_sees_their_own_day(client_as, therapist, location):
    _staff(location, 25)
    AppointmentFactory(
        therapist=therapist,
        location=location,
        starts_at=timezone.now() + timedelta(minutes=1),
    )
    page = client_as("therapist").get(reverse("practice:home"))
    assert b"Your day" in page.content
    assert b'name="group"' not in page.content


@pytest.mark.parametrize("view", ["practice:home", "practice:calendar_day"])
def test_queries_are_the_same_at_twenty_five_and_a_hundred_therapists(
    client_as, location, view, django_assert_max_num_queries
):
    http = client_as("front_desk")

    def count():
        http.get(reverse(view))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert http.get(reverse(view)).status_code == 200
        return len(captured.captured_queries)

    _staff(location, 25, on_shift={1}, book=2)
    at_25 = count()
    _staff(location, 75, on_shift={2}, book=2)
    assert count() == at_25 <= 15


# The pure part ---------------------------------------------------------------


def test_groups_split_evenly_in_name_order():
    people = [(n, f"Name{n:02d} X") for n in range(41)]
    groups = calendar.therapist_groups(people, working_now={5})
    assert [g.key for g in groups] == ["now", "g1", "g2", "g3", "g4"]
    assert [len(g.ids) for g in groups[1:]] == [10, 10, 10, 11]
    assert set().union(*(g.ids for g in groups[1:])) == set(range(41))
    assert calendar.choose_group(groups, "") == groups[0]
    assert calendar.choose_group(groups, "g3") == groups[3]
    assert calendar.therapist_groups(people[:12], working_now=set()) == []


def test_no_group_holds_more_than_the_group_size_however_many_work_now():
    for total in (13, 20, 25, 41, 100):
        people = [(n, f"Name{n:03d} X") for n in range(total)]
        for on_shift in (set(), set(range(0, total, 3)), set(range(total))):
            groups = calendar.therapist_groups(people, working_now=on_shift)
            assert all(len(g.ids) <= calendar.GROUP_SIZE for g in groups)
            now = [g for g in groups if g.working_now]
            assert set().union(*(g.ids for g in now)) == on_shift
            assert calendar.choose_group(groups, "").working_now == bool(on_shift)


def test_a_remembered_half_of_working_now_falls_back_when_it_is_gone():
    people = [(n, f"Name{n:02d} X") for n in range(30)]
    busy = calendar.therapist_groups(people, working_now=set(range(20)))
    assert [g.key for g in busy][:2] == ["now", "now2"]
    assert calendar.choose_group(busy, "now2").ids == frozenset(range(10, 20))
    quiet = calendar.therapist_groups(people, working_now={1, 2})
    assert calendar.choose_group(quiet, "now2").key == "now"


def test_nobody_working_now_defaults_to_the_first_group():
    groups = calendar.therapist_groups([(n, f"N{n}") for n in range(30)], working_now=set())
    assert calendar.choose_group(groups, "bogus").key == "g1"


def test_working_now_spans_a_lunch_break(location):
    therapist = TherapistFactory()
    tz = ZoneInfo(location.time_zone)
    day = timezone.localtime(timezone.now(), tz).date() + timedelta(days=1)
    for start, end in ((time(9), time(12)), (time(13), time(17))):
        WorkingHoursFactory(
            therapist=therapist,
            location=location,
            weekday=day.weekday(),
            start_time=start,
            end_time=end,
        )
    at = datetime.combine(day, time(12, 30), tzinfo=tz)
    assert selectors.day_roster(location=location, day=day, now=at).working_now == {therapist.pk}
    late = datetime.combine(day, time(17, 30), tzinfo=tz)
    assert selectors.day_roster(location=location, day=day, now=late).working_now == set()


def test_any_therapist_in_the_picker_looks_at_the_desks_location(client_as, location):
    from tests.practice.scheduling_world import works_every_day

    lakeside = LocationFactory(name="Relief Lakeside", time_zone="America/Chicago")
    service = ServiceFactory(needs_room=False)
    downtown_therapist = TherapistFactory(display_name="Dana Downtown")
    lakeside_therapist = TherapistFactory(display_name="Lee Lakeside")
    for therapist, where in ((downtown_therapist, location), (lakeside_therapist, lakeside)):
        therapist.services.add(service)
        works_every_day(therapist, where)
    http = client_as("front_desk")
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    asked = {"service": service.pk, "date": tomorrow}
    body = http.get(reverse("practice:book_slots"), asked).content.decode()
    assert "Dana Downtown" in body and "Lee Lakeside" not in body
    assert "Any therapist at Relief Downtown" in body
    http.get(reverse("practice:home"), {"location": lakeside.pk})
    body = http.get(reverse("practice:book_slots"), asked).content.decode()
    assert "Lee Lakeside" in body and "Dana Downtown" not in body
    # A named therapist is searched wherever they work.
    named = {**asked, "therapist": downtown_therapist.pk}
    assert (
        "Any therapist at" not in http.get(reverse("practice:book_slots"), named).content.decode()
    )
    assert f"|{location.pk}|" in http.get(reverse("practice:book_slots"), named).content.decode()
