"""Every FHIR resource of an export validates, and every reference resolves inside it."""

import importlib
import json

import pytest

from api.exports.fhir import RESOURCE_TYPES
from clients.models import Client, Intake, Score
from practice.models import Appointment, Location, Room, Therapist
from sessions.models import Goal, SessionNote, TechniqueApplication, TreatmentPlan

pytestmark = pytest.mark.django_db


def fhir_model(resource_type):
    # fhir.resources 8 ships R5 and R4B; R4B's models of these resources are R4's.
    module = importlib.import_module(f"fhir.resources.R4B.{resource_type.lower()}")
    return getattr(module, resource_type)


def resources_of(zf, resource_type):
    text = zf.read(f"fhir/{resource_type}.ndjson").decode()
    return [json.loads(line) for line in text.splitlines()]


def references(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def test_every_resource_validates_with_fhir_resources(exported):
    zf = exported.zf
    validated = 0
    for resource_type in RESOURCE_TYPES:
        model = fhir_model(resource_type)
        for resource in resources_of(zf, resource_type):
            assert resource["resourceType"] == resource_type
            model.model_validate(resource)  # raises on any invalid element
            validated += 1
    assert validated > 50


def test_one_file_per_resource_type_and_rows_match_the_database(exported):
    zf = exported.zf
    assert {n for n in zf.namelist() if n.startswith("fhir/")} == {
        f"fhir/{t}.ndjson" for t in RESOURCE_TYPES
    }
    expected = {
        "Patient": Client.objects.count(),
        "Practitioner": Therapist.objects.count(),
        "Location": Location.objects.count() + Room.objects.count(),
        "Appointment": Appointment.objects.count(),
        "Encounter": SessionNote.objects.count(),
        "Observation": Score.objects.count(),
        "QuestionnaireResponse": Intake.objects.count(),
        "CarePlan": TreatmentPlan.objects.count(),
        "Goal": Goal.objects.count(),
        "Procedure": TechniqueApplication.objects.count(),
        "Consent": Intake.objects.count(),
    }
    assert all(expected.values()), expected  # the practice has every kind of record
    assert {t: len(resources_of(zf, t)) for t in RESOURCE_TYPES} == expected


def test_every_reference_resolves_within_the_export(exported):
    zf = exported.zf
    ids = {f"{t}/{r['id']}" for t in RESOURCE_TYPES for r in resources_of(zf, t)}
    assert len(ids) == sum(len(resources_of(zf, t)) for t in RESOURCE_TYPES)  # ids unique
    dangling = [
        (t, r["id"], ref)
        for t in RESOURCE_TYPES
        for r in resources_of(zf, t)
        for ref in references(r)
        if ref not in ids
    ]
    assert dangling == []
    # The links that make the bundle a chart, not a pile: sessions point at their
    # appointment, techniques at their session, scores at their session.
    encounter = resources_of(zf, "Encounter")[0]
    assert encounter["appointment"][0]["reference"].startswith("Appointment/")
    procedure = resources_of(zf, "Procedure")[0]
    assert procedure["encounter"]["reference"].startswith("Encounter/")
    assert any("encounter" in o for o in resources_of(zf, "Observation"))


def test_pain_scores_are_loinc_72514_3_with_their_value(exported):
    zf = exported.zf
    pain = [
        o
        for o in resources_of(zf, "Observation")
        if any(c.get("code") == "72514-3" for c in o["code"]["coding"])
    ]
    assert len(pain) == Score.objects.filter(instrument="pain_nrs").count() > 0
    note = exported.practice.signed[0]
    before = Score.objects.get(appointment=note.appointment, context="pre_session")
    (resource,) = [o for o in pain if o["id"] == f"score-{before.pk}"]
    assert resource["valueQuantity"]["value"] == float(before.value)
    assert resource["encounter"] == {"reference": f"Encounter/{note.pk}"}
    assert resource["code"]["coding"][0]["system"] == "http://loinc.org"
    others = {o["code"]["coding"][0]["code"] for o in resources_of(zf, "Observation")} - {"72514-3"}
    assert {"peg", "stress", "sleep"} <= others


def test_intake_answers_and_consent(exported):
    zf = exported.zf
    intake = Intake.objects.order_by("submitted_at").first()
    (response,) = [
        r for r in resources_of(zf, "QuestionnaireResponse") if r["id"] == str(intake.pk)
    ]
    answers = {item["linkId"]: item["answer"] for item in response["item"]}
    assert answers["chief-complaint"] == [{"valueString": intake.chief_complaint}]
    (consent,) = [c for c in resources_of(zf, "Consent") if c["id"] == f"consent-{intake.pk}"]
    assert consent["patient"] == {"reference": f"Patient/{intake.client_id}"}
    assert consent["policy"][0]["uri"].endswith(intake.consent_version)


def test_plan_goals_and_techniques(exported):
    zf = exported.zf
    plan = TreatmentPlan.objects.get()
    (care_plan,) = resources_of(zf, "CarePlan")
    assert care_plan["id"] == str(plan.pk)
    assert care_plan["goal"] == [{"reference": f"Goal/goal-{g.pk}"} for g in plan.goals.all()]
    assert {a["detail"]["code"]["text"] for a in care_plan["activity"]} == {
        t.name for t in plan.planned_techniques.all()
    }
    (goal,) = resources_of(zf, "Goal")
    assert goal["target"][0]["detailQuantity"]["comparator"] == "<="
    draft_procedures = [
        p
        for p in resources_of(zf, "Procedure")
        if p["encounter"]["reference"] == f"Encounter/{exported.practice.draft.pk}"
    ]
    assert all(p["status"] == "in-progress" for p in draft_procedures)
