"""Red flags reach the therapist where they treat: the note editor shows them,
and a pressure or region that goes against them needs "I have reviewed the red
flags" before it is saved, added or signed."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from clients import models as client_models
from clients.red_flags import compute_red_flags
from sessions.models import SessionNote, TechniqueApplication
from tests.clients.factories import IntakeFactory

pytestmark = pytest.mark.django_db

THINNERS = "Takes blood thinners: bruising risk, lighter pressure."
CLOTS = "History of blood clots / DVT: no deep work on the legs until cleared."


@pytest.fixture
def flagged(dana_client):
    conditions = ["blood_clots", "blood_thinners"]
    IntakeFactory(
        client=dana_client,
        health_conditions=conditions,
        red_flags=compute_red_flags({"health_conditions": conditions}),
        areas_to_avoid=["neck_front"],
        pressure_preference="medium",
    )
    dana_client.has_red_flags = True
    dana_client.save()
    return dana_client


def _form(note, **overrides):
    data = {
        "version": note.version,
        "subjective": "Tight calves after a long walk",
        "objective": "",
        "assessment": "",
        "plan_text": "",
        "pressure": "",
        "client_response": "",
        "home_care": "",
        "pain_before": "",
        "pain_after": "",
    }
    data.update(overrides)
    return data


def test_note_editor_shows_the_red_flags_areas_to_avoid_and_pressure(client_as, flagged, draft):
    html = client_as("therapist").get(reverse("sessions:note_edit", args=[draft.pk])).content
    html = html.decode()
    assert 'id="red-flags"' in html
    assert THINNERS in html and CLOTS in html
    assert "Needs medical clearance" in html
    assert "Front of neck" in html  # areas to avoid, by name
    assert "Medium" in html  # pressure preference
    assert "I have reviewed the red flags" in html


def test_autosave_holds_back_a_contradicting_pressure_and_saves_the_rest(client_as, flagged, draft):
    http = client_as("therapist")
    response = http.post(
        reverse("sessions:note_autosave", args=[draft.pk]),
        _form(draft, pressure="firm"),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "except the pressure" in html
    assert THINNERS in html and "I have reviewed the red flags" in html
    draft.refresh_from_db()
    assert draft.subjective == "Tight calves after a long walk"
    assert draft.pressure == ""
    # The editor's version follows the save, so the next autosave is no conflict.
    assert f'value="{draft.version}"' in html

    reviewed = http.post(
        reverse("sessions:note_autosave", args=[draft.pk]),
        _form(draft, pressure="firm", red_flags_reviewed="on"),
        headers={"HX-Request": "true"},
    )
    assert "Draft saved at" in reviewed.content.decode()
    draft.refresh_from_db()
    assert draft.pressure == "firm"


def test_pressure_within_the_cautions_saves_without_a_word(client_as, flagged, draft):
    client_as("therapist").post(
        reverse("sessions:note_autosave", args=[draft.pk]),
        _form(draft, pressure="light"),
        headers={"HX-Request": "true"},
    )
    draft.refresh_from_db()
    assert draft.pressure == "light"


def test_save_draft_button_explains_why_the_pressure_was_not_saved(client_as, flagged, draft):
    response = client_as("therapist").post(
        reverse("sessions:note_edit", args=[draft.pk]), _form(draft, pressure="deep")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Pressure not saved." in html and THINNERS in html
    draft.refresh_from_db()
    assert draft.pressure == "" and draft.subjective.startswith("Tight calves")


def test_signing_needs_the_review_tick_when_the_note_goes_against_a_red_flag(
    client_as, flagged, draft
):
    http = client_as("therapist")
    http.post(
        reverse("sessions:note_autosave", args=[draft.pk]),
        _form(draft, pressure="firm", red_flags_reviewed="on"),
        headers={"HX-Request": "true"},
    )
    draft.refresh_from_db()
    sign = reverse("sessions:note_sign", args=[draft.pk])
    refused = http.post(sign, _form(draft, pressure="firm", assessment="Calves eased."))
    assert refused.status_code == 200
    assert "Not signed." in refused.content.decode()
    assert SessionNote.objects.get(pk=draft.pk).status == "draft"
    draft.refresh_from_db()
    confirm = http.post(
        sign, _form(draft, pressure="firm", assessment="Calves eased.", red_flags_reviewed="on")
    )
    assert "Sign this note?" in confirm.content.decode()
    draft.refresh_from_db()
    # The tick carries over to the confirmation step.
    signed = http.post(
        sign, {"confirmed": "1", "version": draft.version, "red_flags_reviewed": "True"}
    )
    assert signed.status_code == 302
    assert SessionNote.objects.get(pk=draft.pk).status == "signed"


def test_a_technique_on_the_legs_with_deep_pressure_needs_the_review_tick(
    client_as, flagged, draft, technique
):
    http = client_as("therapist")
    url = reverse("sessions:note_technique_add", args=[draft.pk])
    data = {
        "technique-technique": technique.pk,
        "technique-minutes": "10",
        "technique-pressure": "deep",
        "technique-body_regions": ["calf_left"],
    }
    refused = http.post(url, data, headers={"HX-Request": "true"})
    html = refused.content.decode()
    assert "Not added." in html and CLOTS in html
    assert not TechniqueApplication.objects.exists()
    http.post(url, {**data, "technique-red_flags_reviewed": "on"}, headers={"HX-Request": "true"})
    assert TechniqueApplication.objects.filter(note=draft).count() == 1


def test_a_technique_on_an_area_to_avoid_needs_the_review_tick(
    client_as, flagged, draft, technique
):
    response = client_as("therapist").post(
        reverse("sessions:note_technique_add", args=[draft.pk]),
        {
            "technique-technique": technique.pk,
            "technique-minutes": "5",
            "technique-pressure": "light",
            "technique-body_regions": ["neck_front"],
        },
        headers={"HX-Request": "true"},
    )
    assert "The client asked to avoid: Front of neck." in response.content.decode()
    assert not TechniqueApplication.objects.exists()


def test_a_cleared_flag_is_shown_with_who_cleared_it_and_no_longer_asks(
    client_as, flagged, draft, technique, therapist
):
    http = client_as("therapist")
    appointment_page = reverse("practice:appointment_detail", args=[draft.appointment_id])
    response = http.post(
        reverse("clients:red_flag_clear", args=[flagged.pk, "blood_clots"]),
        {"note": "GP letter 2 May: DVT resolved, cleared for massage.", "next": appointment_page},
    )
    assert response["Location"] == appointment_page
    clearance = client_models.RedFlagClearance.objects.get(client=flagged, flag_code="blood_clots")
    assert clearance.cleared_by == therapist.user
    assert LogEntry.objects.get_for_object(clearance).exists()
    html = http.get(reverse("sessions:note_edit", args=[draft.pk])).content.decode()
    assert "Cleared" in html and "GP letter 2 May: DVT resolved" in html
    assert "Dana Reyes" in html
    # Legs are no longer off limits to firm work; blood thinners still are.
    http.post(
        reverse("sessions:note_technique_add", args=[draft.pk]),
        {
            "technique-technique": technique.pk,
            "technique-minutes": "10",
            "technique-pressure": "moderate",
            "technique-body_regions": ["calf_left"],
        },
        headers={"HX-Request": "true"},
    )
    assert TechniqueApplication.objects.filter(note=draft).count() == 1


def test_a_clearance_needs_what_was_seen_and_a_flag_that_needs_one(client_as, flagged):
    http = client_as("therapist")
    http.post(reverse("clients:red_flag_clear", args=[flagged.pk, "blood_clots"]), {"note": ""})
    http.post(
        reverse("clients:red_flag_clear", args=[flagged.pk, "blood_thinners"]),
        {"note": "Seen"},
    )
    assert not client_models.RedFlagClearance.objects.exists()


@pytest.mark.parametrize("persona_name", ["front_desk", "other_therapist"])
def test_only_those_who_read_the_flags_may_clear_them(client_as, flagged, persona_name):
    response = client_as(persona_name).post(
        reverse("clients:red_flag_clear", args=[flagged.pk, "blood_clots"]), {"note": "Seen"}
    )
    assert response.status_code == 404
    assert not client_models.RedFlagClearance.objects.exists()


def test_a_new_intake_needs_a_new_clearance(client_as, flagged, therapist, draft):
    from datetime import timedelta

    from django.utils import timezone

    client_models.RedFlagClearance.objects.create(
        client=flagged,
        flag_code="blood_clots",
        cleared_by=therapist.user,
        cleared_at=timezone.now() - timedelta(days=30),
        note="Old letter",
    )
    html = client_as("therapist").get(reverse("sessions:note_edit", args=[draft.pk])).content
    assert b"Old letter" not in html
    assert b"Needs medical clearance" in html
