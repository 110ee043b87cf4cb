"""What each role sees of the client on the appointment page: red flags (in
detail only for the owner and the client's therapists) and a link to the chart
(only for roles the chart opens for)."""

import pytest
from django.urls import reverse

from clients.red_flags import compute_red_flags
from tests.clients.factories import IntakeFactory
from tests.factories import AppointmentFactory, ClientFactory

pytestmark = pytest.mark.django_db

THINNERS = "Takes blood thinners: bruising risk, lighter pressure."


@pytest.fixture
def appointment(therapist, location):
    client = ClientFactory(first_name="Maria", primary_therapist=therapist, has_red_flags=True)
    IntakeFactory(
        client=client,
        health_conditions=["blood_thinners"],
        red_flags=compute_red_flags({"health_conditions": ["blood_thinners"]}),
        areas_to_avoid=["abdomen"],
        pressure_preference="light",
    )
    return AppointmentFactory(client=client, therapist=therapist, location=location)


def _page(client_as, persona_name, appointment):
    response = client_as(persona_name).get(
        reverse("practice:appointment_detail", args=[appointment.pk])
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("persona_name", ["owner", "therapist"])
def test_owner_and_the_clients_therapist_read_the_red_flags(client_as, appointment, persona_name):
    html = _page(client_as, persona_name, appointment)
    assert THINNERS in html
    assert "Abdomen" in html and "Light" in html
    # The badge takes the reader to the reasons.
    assert '<a class="badge badge-red-flag" href="#red-flags">Review before treating</a>' in html
    assert 'id="red-flags"' in html


@pytest.mark.parametrize("persona_name", ["front_desk", "other_therapist"])
def test_others_see_only_whether_there_are_red_flags(client_as, appointment, persona_name):
    html = _page(client_as, persona_name, appointment)
    assert THINNERS not in html
    assert "Abdomen" not in html
    assert "Has red flags: <strong>Yes</strong>" in html
    assert 'href="#red-flags"' in html and 'id="red-flags"' in html


@pytest.mark.parametrize("persona_name", ["owner", "therapist", "front_desk"])
def test_roles_that_may_open_the_chart_get_a_link_to_it(client_as, appointment, persona_name):
    chart = reverse("clients:detail", args=[appointment.client_id])
    assert f'href="{chart}"' in _page(client_as, persona_name, appointment)
    assert client_as(persona_name).get(chart).status_code == 200


def test_a_therapist_the_chart_would_refuse_gets_no_link(client_as, appointment):
    chart = reverse("clients:detail", args=[appointment.client_id])
    assert chart not in _page(client_as, "other_therapist", appointment)
    assert client_as("other_therapist").get(chart).status_code == 404
