from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from clients.models import Client
from practice.demo import seed_demo
from practice.models import Appointment, Location, Therapist, WorkingHours
from practice.security.access import Role, roles_of
from sessions.models import Technique

pytestmark = pytest.mark.django_db


def test_demo_practice_has_every_role_and_is_idempotent():
    first = seed_demo()
    counts = (
        User.objects.count(),
        Therapist.objects.count(),
        Client.objects.count(),
        Appointment.objects.count(),
        WorkingHours.objects.count(),
    )
    second = seed_demo()
    assert first == second
    assert counts == (
        User.objects.count(),
        Therapist.objects.count(),
        Client.objects.count(),
        Appointment.objects.count(),
        WorkingHours.objects.count(),
    )
    assert Location.objects.count() == 1
    assert Therapist.objects.count() == 3
    assert Appointment.objects.count() > 0
    assert roles_of(User.objects.get(username="owner")) == {Role.OWNER}
    assert roles_of(User.objects.get(username="frontdesk")) == {Role.FRONT_DESK}


def test_roles_exist_from_a_migration():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_techniques_are_seeded_by_a_migration():
    slugs = set(Technique.objects.values_list("slug", flat=True))
    assert {"myofascial-release", "trigger-point-therapy", "deep-tissue", "cupping"} <= slugs
    assert Technique.objects.count() >= 12


def test_demo_appointments_have_their_reminders_like_app_bookings():
    from practice.models import Reminder

    seed_demo()
    now = timezone.now()
    upcoming = Appointment.objects.filter(starts_at__gt=now)
    assert upcoming.exists()  # tomorrow's appointments, whatever the hour
    for appointment in upcoming:
        kinds = set(appointment.reminders.values_list("kind", flat=True))
        assert Reminder.Kind.CONFIRMATION in kinds
        if appointment.starts_at - timedelta(hours=48) > now:
            assert Reminder.Kind.BEFORE_48H in kinds
    reminders = Reminder.objects.count()
    seed_demo()
    assert Reminder.objects.count() == reminders


def test_anyone_online_offers_every_demo_therapist_on_the_first_bookable_day(client):
    """Each demo day gives every therapist one booking: with one of them left
    free, "anyone" offered that whole day with them alone (fewest bookings
    first), so the demo's first bookable day showed Sam at every time."""
    from portal.online import selectors as online

    seed_demo()
    location = online.online_location()
    service = online.online_services(location)[0]
    page = client.get(
        "/online/times/", {"location": location.pk, "service": service.pk, "therapist": "any"}
    ).content.decode()
    first_day = page.split('class="list-unstyled d-flex flex-wrap gap-2 online-times"')[1]
    first_day = first_day.split("</ul>")[0]
    for name in ("Alex Lind, CMT", "Dana Reyes, LMT", "Sam Okafor, LMT"):
        assert first_day.count(f">{name}<") >= 5, name
