"""records_of_visible_clients is the rule of clients_visible_to and
clinical_clients_visible_to applied to records, in its form for one record
and in its form for a list: for every kind of user each keeps exactly the
records `client IN (those clients)` keeps."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from clients.models import Intake, Score
from clients.selectors import (
    clients_visible_to,
    clinical_clients_visible_to,
    records_of_visible_clients,
)
from practice.security.access import Role
from sessions.models import SessionNote, TreatmentPlan
from sessions.selectors import notes_visible_to, plans_visible_to
from tests import factories
from tests.clients.factories import IntakeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clientele(therapist, other_therapist, location):
    """Dana's clients by each half of the rule (primary therapist only; one
    cancelled appointment only; both), Sam's client, and a client Sam saw
    whose primary therapist nobody is, each with a note, a plan, an intake and
    a score (the note and plan by Sam where Dana never saw the client)."""
    service = factories.ServiceFactory(needs_room=False)
    start = timezone.now() - timedelta(days=30)
    made = []
    for n, (primary, seen_by, status) in enumerate(
        [
            (therapist, None, None),
            (None, therapist, "cancelled"),
            (therapist, therapist, "completed"),
            (other_therapist, other_therapist, "completed"),
            (None, None, None),
        ]
    ):
        client = factories.ClientFactory(primary_therapist=primary)
        appointment = factories.AppointmentFactory(
            client=client, therapist=seen_by or other_therapist, service=service,
            location=location, starts_at=start + timedelta(days=n), status=status or "completed",
        )  # fmt: skip
        SessionNote.objects.create(
            appointment=appointment, client=client, therapist=appointment.therapist
        )
        TreatmentPlan.objects.create(
            client=client, therapist=appointment.therapist, problem_summary="Back",
            frequency="Weekly", planned_sessions=6, start_date=start.date(),
        )  # fmt: skip
        IntakeFactory(client=client)
        Score.objects.create(client=client, instrument="pain_nrs", value=4,
                             recorded_at=start, context="check_in")  # fmt: skip
        made.append(client)
    return made


@pytest.fixture
def desk_and_therapist(clientele):
    """Kim, a therapist who also works the front desk, primary therapist of
    the last client."""
    kim = factories.TherapistFactory()
    kim.user.groups.add(Group.objects.get_or_create(name=Role.FRONT_DESK)[0])
    clientele[-1].primary_therapist = kim
    clientele[-1].save()
    return kim.user


PERSONAS = ["owner", "therapist", "other_therapist", "front_desk", "no_role", "desk_and_therapist"]


@pytest.fixture
def user_named(persona, request):
    def user(name):
        if name == "desk_and_therapist":
            return request.getfixturevalue("desk_and_therapist")
        return persona(name)

    return user


@pytest.mark.parametrize("name", PERSONAS)
@pytest.mark.parametrize("model", [SessionNote, TreatmentPlan, Intake, Score])
@pytest.mark.parametrize("clinical", [False, True])
@pytest.mark.parametrize("listing", [False, True])
def test_the_same_records_as_client_in_the_visible_clients(
    clientele, user_named, name, model, clinical, listing
):
    user = user_named(name)
    visible = clinical_clients_visible_to(user) if clinical else clients_visible_to(user)
    reference = set(model.objects.filter(client__in=visible).values_list("pk", flat=True))
    scoped = records_of_visible_clients(
        user, model.objects.all(), clinical=clinical, listing=listing
    )
    assert set(scoped.values_list("pk", flat=True)) == reference
    # Not vacuous: a therapist sees some records but not all, the owner all.
    if name == "therapist":
        assert len(reference) == 3
    if name == "desk_and_therapist":
        assert len(reference) == (1 if clinical else len(clientele))
    if name == "owner":
        assert len(reference) == model.objects.count() == len(clientele)


@pytest.mark.parametrize("name", PERSONAS)
@pytest.mark.parametrize("listing", [False, True])
def test_notes_and_plans_keep_their_scope(clientele, user_named, name, listing):
    user = user_named(name)
    # No role but a therapist's sees nothing, the owner everything, a
    # therapist the records of their clients: one who also works the front
    # desk reads only their own clients' notes and plans, not everyone's.
    for model, scoped in ((SessionNote, notes_visible_to), (TreatmentPlan, plans_visible_to)):
        if name in ("front_desk", "no_role"):
            expected = set()
        elif name == "owner":
            expected = set(model.objects.values_list("pk", flat=True))
        else:
            visible = clinical_clients_visible_to(user)
            expected = set(model.objects.filter(client__in=visible).values_list("pk", flat=True))
        assert set(scoped(user, listing=listing).values_list("pk", flat=True)) == expected
        if name == "desk_and_therapist":
            assert len(expected) == 1


def test_one_record_is_probed_a_list_tested_against_two_sets(therapist):
    one = records_of_visible_clients(therapist.user, SessionNote.objects.all())
    many = records_of_visible_clients(therapist.user, SessionNote.objects.all(), listing=True)
    assert "EXISTS" in str(one.query)
    assert "EXISTS" not in str(many.query) and str(many.query).count("IN (SELECT") == 2
