"""Input a careless user or a bot sends gets a clear answer, never a 500.

Each test here is a request that once answered 500: NUL in a search, years
Python or PostgreSQL cannot hold, a year-9999 time off that broke its list
for everyone, ids that are not numbers, and a formset asked to build 1,000
forms.
"""

from datetime import timedelta
from importlib import import_module

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from clients.models import Client
from practice.models import Appointment, TimeOff
from sessions.models import Technique, TreatmentPlan
from tests.factories import AppointmentFactory, ClientFactory, ServiceFactory
from tests.practice.scheduling_world import local_at, local_day, slot_value, works_every_day

pytestmark = pytest.mark.django_db

FAR_DATES = ["0001-01-01", "9999-12-31", "1-1-1", "2026-02-30", "99999-01-01", ""]


@pytest.fixture
def desk(location, therapist):
    service = ServiceFactory(name="60 min deep tissue", needs_room=False)
    therapist.services.add(service)
    works_every_day(therapist, location)
    return {"service": service, "therapist": therapist, "location": location}


@pytest.mark.parametrize("url_name", ["clients:list", "practice:book_clients"])
def test_nul_in_a_search_is_ignored_not_a_500(client_as, url_name):
    ClientFactory(first_name="Maria", last_name="Gonzalez")
    response = client_as("front_desk").get(reverse(url_name), {"q": "Mar\x00ia\x07"})
    assert response.status_code == 200
    assert "Gonzalez" in response.content.decode()


def test_nul_in_a_posted_field_is_stripped_before_the_form_sees_it(client_as):
    response = client_as("front_desk").post(
        reverse("clients:create"),
        {"first_name": "An\x00na", "last_name": "Smith\x1b", "consent_email_reminders": ""},
    )
    assert response.status_code == 302
    client = Client.objects.get()
    assert (client.first_name, client.last_name) == ("Anna", "Smith")


@pytest.mark.parametrize("value", FAR_DATES)
@pytest.mark.parametrize("url_name", ["practice:calendar_day", "practice:calendar_week"])
def test_calendars_answer_any_date_without_a_500(client_as, desk, url_name, value):
    response = client_as("front_desk").get(reverse(url_name), {"date": value})
    assert response.status_code == 200


@pytest.mark.parametrize("value", FAR_DATES)
def test_slot_picker_answers_any_date_without_a_500(client_as, desk, value):
    response = client_as("front_desk").get(
        reverse("practice:book_slots"), {"service": desk["service"].pk, "date": value}
    )
    assert response.status_code == 200


def test_booking_in_year_9999_is_a_form_error_and_books_nothing(client_as, desk):
    far = local_at(desk["location"], local_day(desk["location"]), 10).replace(year=9999)
    response = client_as("front_desk").post(
        reverse("practice:book"),
        {
            "client": str(ClientFactory().pk),
            "service": desk["service"].pk,
            "therapist": "",
            "date": "9999-12-30",
            "slot": slot_value(desk["therapist"], desk["location"], far),
            "repeat_weeks": "0",
            "occurrences": "6",
        },
    )
    assert response.status_code == 200
    assert "Enter a date between" in response.content.decode()
    assert not Appointment.objects.exists()


def test_rescheduling_to_year_9999_is_a_form_error(client_as, desk):
    appointment = AppointmentFactory(
        therapist=desk["therapist"],
        service=desk["service"],
        location=desk["location"],
        starts_at=local_at(desk["location"], local_day(desk["location"]), 10),
    )
    response = client_as("front_desk").post(
        reverse("practice:appointment_reschedule", args=[appointment.pk]),
        {"starts_at": "9999-12-31T23:30", "therapist": desk["therapist"].pk},
        follow=True,
    )
    assert response.status_code == 200
    assert "Enter a date between" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.starts_at.year < 9999


def test_year_9999_time_off_is_refused_before_anything_is_written(client_as, therapist):
    http = client_as("owner")
    before = LogEntry.objects.count()
    response = http.post(
        reverse("practice:setup_time_off"),
        {
            "therapist": therapist.pk,
            "starts_at": "9999-12-31T10:00",
            "ends_at": "9999-12-31T12:00",
            "reason": "Holiday",
        },
    )
    assert response.status_code == 200
    assert "Enter a date between" in response.content.decode()
    assert not TimeOff.objects.exists()
    assert LogEntry.objects.count() == before
    assert http.get(reverse("practice:setup_time_off")).status_code == 200


def test_a_birth_date_outside_1900_to_today_is_a_form_error(client_as):
    for value in ("1850-01-01", "2300-01-01"):
        response = client_as("front_desk").post(
            reverse("clients:create"),
            {"first_name": "Anna", "last_name": "Smith", "date_of_birth": value},
        )
        assert response.status_code == 200
        assert not Client.objects.exists()


@pytest.mark.parametrize("toggle", ["abc", "", "1e9", "-1", "99999999999999999999"])
def test_technique_toggle_with_a_bad_id_is_a_clear_answer(client_as, toggle):
    response = client_as("owner").post(reverse("sessions:techniques"), {"toggle": toggle})
    assert response.status_code in (302, 400, 404)
    assert Technique.objects.filter(active=False).count() == 0


def test_plan_formset_is_capped_before_anything_is_built(client_as, therapist):
    client = ClientFactory(primary_therapist=therapist)
    response = client_as("therapist").post(
        reverse("sessions:plan_create", args=[client.pk]),
        {
            "problem_summary": "Chronic low back pain",
            "frequency": "Weekly",
            "planned_sessions": "6",
            "start_date": "2026-12-01",
            "goals-TOTAL_FORMS": "1000",
            "goals-INITIAL_FORMS": "0",
            "goals-MIN_NUM_FORMS": "0",
            "goals-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert len(response.content) < 200_000
    assert not TreatmentPlan.objects.exists()


def test_the_booking_window_bounds_are_what_the_form_says(client_as, desk, settings):
    # One day past the horizon is refused with the same clear message.
    day = local_day(desk["location"]) + timedelta(days=settings.RELIEF_BOOKING_HORIZON_DAYS + 2)
    response = client_as("front_desk").get(
        reverse("practice:book_slots"), {"service": desk["service"].pk, "date": day.isoformat()}
    )
    assert response.status_code == 200


def _all_form_classes():
    from django import forms

    # Each module defines its forms on import.
    import_module("clients.forms")
    import_module("practice.forms")
    import_module("practice.security.forms")
    import_module("sessions.forms")

    seen, stack = set(), [forms.BaseForm]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    return [c for c in seen if c.__module__.split(".")[0] in {"practice", "clients", "sessions"}]


def test_every_project_form_with_a_date_refuses_implausible_years():
    from django import forms

    from practice.validation import PlausibleDatesMixin

    dated = [
        form
        for form in _all_form_classes()
        if any(
            isinstance(field, (forms.DateField, forms.DateTimeField))
            for field in form.base_fields.values()
        )
    ]
    assert len(dated) >= 5  # the booking, reschedule, time-off, client and intake forms
    assert [f.__name__ for f in dated if not issubclass(f, PlausibleDatesMixin)] == []
