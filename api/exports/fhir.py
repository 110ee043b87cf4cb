"""FHIR R4 resources from the practice's records (pure: plain attribute access, no ORM).

Each function takes one record (a model instance or anything with the same
attributes) and returns the resource as a dict ready for one NDJSON line.
Ids are the records' own (UUIDs, or `<kind>-<number>` where the record has a
sequential key), so every reference resolves inside the same export. Codes
that no standard vocabulary covers use Relief's own code systems under
`RELIEF_SYSTEM`, with the human text beside them.
"""

from __future__ import annotations

from decimal import Decimal

RELIEF_SYSTEM = "https://relief.invalid/fhir"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"

# LOINC 72514-3: "Pain severity - 0-10 verbal numeric rating [Score] - Reported".
# The other instruments have no LOINC code for this exact wording, so they use
# Relief's instrument codes (the same values as the scores table).
INSTRUMENT_LOINC = {"pain_nrs": ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score]")}

APPOINTMENT_STATUS = {
    "requested": "proposed",
    "booked": "booked",
    "confirmed": "booked",
    "checked_in": "checked-in",
    "completed": "fulfilled",
    "cancelled": "cancelled",
    "no_show": "noshow",
}
PLAN_STATUS = {"active": "active", "completed": "completed", "discontinued": "revoked"}

RESOURCE_TYPES = (
    "Patient",
    "Practitioner",
    "Location",
    "Appointment",
    "Encounter",
    "Observation",
    "QuestionnaireResponse",
    "CarePlan",
    "Goal",
    "Procedure",
    "Consent",
)


def ref(resource_type: str, resource_id) -> dict:
    return {"reference": f"{resource_type}/{resource_id}"}


def practitioner_id(therapist_id) -> str:
    return f"therapist-{therapist_id}"


def location_id(location_id) -> str:
    return f"location-{location_id}"


def room_id(room_id) -> str:
    return f"room-{room_id}"


def instant(value) -> str | None:
    return value.isoformat() if value is not None else None


def _drop_empty(resource: dict) -> dict:
    # FHIR forbids empty strings, lists and objects: leave such elements out.
    return {k: v for k, v in resource.items() if v not in (None, "", [], {})}


def _coding(system: str, code: str, display: str = "") -> dict:
    return _drop_empty({"system": system, "code": code, "display": display})


def _text_code(system_path: str, code: str, text: str) -> dict:
    return {"coding": [_coding(f"{RELIEF_SYSTEM}/{system_path}", code, text)], "text": text or code}


def patient(client) -> dict:
    names = [
        _drop_empty({"use": "official", "family": client.last_name, "given": [client.first_name]})
    ]
    if client.preferred_name and client.preferred_name != client.first_name:
        names.append({"use": "usual", "family": client.last_name, "given": [client.preferred_name]})
    telecom = []
    if client.email:
        telecom.append({"system": "email", "value": client.email})
    if client.phone:
        telecom.append({"system": "phone", "value": str(client.phone)})
    contact = []
    if client.emergency_contact_name or client.emergency_contact_phone:
        contact.append(
            _drop_empty(
                {
                    "relationship": [{"text": "Emergency contact"}],
                    "name": _drop_empty({"text": client.emergency_contact_name}),
                    "telecom": (
                        [{"system": "phone", "value": str(client.emergency_contact_phone)}]
                        if client.emergency_contact_phone
                        else []
                    ),
                }
            )
        )
    return _drop_empty(
        {
            "resourceType": "Patient",
            "id": str(client.id),
            "active": not client.archived,
            "name": names,
            "telecom": telecom,
            "birthDate": client.date_of_birth.isoformat() if client.date_of_birth else None,
            "contact": contact,
            "generalPractitioner": (
                [ref("Practitioner", practitioner_id(client.primary_therapist_id))]
                if client.primary_therapist_id
                else []
            ),
        }
    )


def practitioner(therapist, *, user=None) -> dict:
    return _drop_empty(
        {
            "resourceType": "Practitioner",
            "id": practitioner_id(therapist.pk),
            "active": therapist.active,
            "identifier": (
                [{"type": {"text": "Licence number"}, "value": therapist.licence_number}]
                if therapist.licence_number
                else []
            ),
            "name": [{"text": therapist.display_name}],
            "telecom": (
                [{"system": "email", "value": user.email}]
                if user is not None and user.email
                else []
            ),
            "qualification": (
                [{"code": {"text": therapist.credentials}}] if therapist.credentials else []
            ),
        }
    )


def location(place) -> dict:
    return _drop_empty(
        {
            "resourceType": "Location",
            "id": location_id(place.pk),
            "status": "active",
            "name": place.name,
            "mode": "instance",
            "address": _drop_empty({"text": place.address}),
            "telecom": [{"system": "phone", "value": place.phone}] if place.phone else [],
            "extension": [
                {
                    "url": f"{RELIEF_SYSTEM}/StructureDefinition/time-zone",
                    "valueCode": place.time_zone,
                }
            ],
        }
    )


def room(space) -> dict:
    return {
        "resourceType": "Location",
        "id": room_id(space.pk),
        "status": "active" if space.active else "inactive",
        "name": space.name,
        "mode": "instance",
        "physicalType": {
            "coding": [
                _coding(
                    "http://terminology.hl7.org/CodeSystem/location-physical-type", "ro", "Room"
                )
            ]
        },
        "partOf": ref("Location", location_id(space.location_id)),
    }


def _appointment_participants(appointment) -> list[dict]:
    participants = [
        {"actor": ref("Patient", appointment.client_id), "status": "accepted"},
        {
            "actor": ref("Practitioner", practitioner_id(appointment.therapist_id)),
            "status": "accepted",
        },
        {"actor": ref("Location", location_id(appointment.location_id)), "status": "accepted"},
    ]
    if appointment.room_id:
        participants.append(
            {"actor": ref("Location", room_id(appointment.room_id)), "status": "accepted"}
        )
    return participants


def appointment_resource(appointment, *, service_name: str) -> dict:
    return _drop_empty(
        {
            "resourceType": "Appointment",
            "id": str(appointment.id),
            "status": APPOINTMENT_STATUS.get(appointment.status, "booked"),
            "serviceType": [_text_code("service", str(appointment.service_id), service_name)],
            "start": instant(appointment.starts_at),
            "end": instant(appointment.ends_at),
            "created": appointment.booked_at.date().isoformat() if appointment.booked_at else None,
            "cancelationReason": (
                {"text": appointment.cancel_reason} if appointment.cancel_reason else None
            ),
            "participant": _appointment_participants(appointment),
        }
    )


def encounter(note, *, appointment) -> dict:
    locations = [{"location": ref("Location", location_id(appointment.location_id))}]
    if appointment.room_id:
        locations.append({"location": ref("Location", room_id(appointment.room_id))})
    return _drop_empty(
        {
            "resourceType": "Encounter",
            "id": str(note.id),
            "status": "finished" if note.status == "signed" else "in-progress",
            "class": _coding(
                "http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"
            ),
            "subject": ref("Patient", note.client_id),
            "participant": [
                {"individual": ref("Practitioner", practitioner_id(note.therapist_id))}
            ],
            "appointment": [ref("Appointment", appointment.id)],
            "period": {
                "start": instant(appointment.starts_at),
                "end": instant(appointment.ends_at),
            },
            "location": locations,
            "basedOn": [ref("CarePlan", note.plan_id)] if note.plan_id else [],
        }
    )


def observation(score, *, instrument_label: str, encounter_id=None) -> dict:
    loinc = INSTRUMENT_LOINC.get(score.instrument)
    codings = [_coding(f"{RELIEF_SYSTEM}/instrument", score.instrument, instrument_label)]
    if loinc:
        codings.insert(0, _coding(LOINC, *loinc))
    components = [
        {"code": {"text": str(item)}, "valueString": str(answer)}
        for item, answer in sorted((score.item_answers or {}).items())
        if answer not in (None, "")
    ]
    return _drop_empty(
        {
            "resourceType": "Observation",
            "id": f"score-{score.id}",
            "status": "final",
            "category": [
                {
                    "coding": [
                        _coding(
                            "http://terminology.hl7.org/CodeSystem/observation-category",
                            "survey",
                            "Survey",
                        )
                    ]
                }
            ],
            "code": {"coding": codings, "text": instrument_label},
            "subject": ref("Patient", score.client_id),
            "encounter": ref("Encounter", encounter_id) if encounter_id else None,
            "effectiveDateTime": instant(score.recorded_at),
            "valueQuantity": {
                "value": Decimal(score.value),
                "unit": "score",
                "system": UCUM,
                "code": "{score}",
            },
            "method": {"text": score.context.replace("_", " ")},
            "component": components,
        }
    )


# The intake's questions, in form order: (linkId, the question as asked, attribute).
INTAKE_ITEMS = (
    ("chief-complaint", "Reason for visit", "chief_complaint"),
    ("pain-regions", "Where is the pain?", "pain_regions"),
    ("onset-date", "When did it start?", "onset_date"),
    ("duration", "How long have you had it?", "duration"),
    ("pain-character", "What does it feel like?", "pain_character"),
    ("aggravating-factors", "What makes it worse?", "aggravating_factors"),
    ("relieving-factors", "What makes it better?", "relieving_factors"),
    ("previous-treatment", "Previous treatment", "previous_treatment"),
    ("medications", "Medications", "medications"),
    ("pain-now", "Pain right now (0-10)", "pain_now"),
    ("pain-average", "Average pain, last week (0-10)", "pain_average"),
    ("pain-worst", "Worst pain, last week (0-10)", "pain_worst"),
    ("peg-enjoyment", "Pain interfered with enjoyment of life (0-10)", "peg_enjoyment"),
    ("peg-activity", "Pain interfered with general activity (0-10)", "peg_activity"),
    ("stress-rating", "Stress rating (0-10)", "stress_rating"),
    ("sleep-quality", "Sleep quality rating (0-10)", "sleep_quality"),
    ("sleep-hours", "Hours of sleep a night", "sleep_hours"),
    ("health-conditions", "Health conditions", "health_conditions"),
    ("health-notes", "Other health notes", "health_notes"),
    ("pressure-preference", "Pressure preference", "pressure_preference"),
    ("areas-to-avoid", "Areas to avoid", "areas_to_avoid"),
    ("goals", "Goals", "goals"),
)


def _answers(value) -> list[dict]:
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, bool):
        return [{"valueBoolean": value}]
    if isinstance(value, int):
        return [{"valueInteger": value}]
    if isinstance(value, Decimal):
        return [{"valueDecimal": value}]
    if hasattr(value, "isoformat"):
        return [{"valueDate": value.isoformat()}]
    if isinstance(value, list):
        return [{"valueString": str(v)} for v in value if v not in (None, "")]
    return [{"valueString": str(value)}]


def questionnaire_response(intake) -> dict:
    items = []
    for link_id, text, attribute in INTAKE_ITEMS:
        answers = _answers(getattr(intake, attribute))
        if answers:
            items.append({"linkId": link_id, "text": text, "answer": answers})
    return _drop_empty(
        {
            "resourceType": "QuestionnaireResponse",
            "id": str(intake.id),
            "questionnaire": f"{RELIEF_SYSTEM}/Questionnaire/intake",
            "status": "completed",
            "subject": ref("Patient", intake.client_id),
            "authored": instant(intake.submitted_at),
            "source": ref("Patient", intake.client_id) if intake.how == "online" else None,
            "item": items,
        }
    )


def consent(intake) -> dict:
    return _drop_empty(
        {
            "resourceType": "Consent",
            "id": f"consent-{intake.id}",
            "status": "active",
            "scope": {
                "coding": [
                    _coding(
                        "http://terminology.hl7.org/CodeSystem/consentscope",
                        "treatment",
                        "Treatment",
                    )
                ]
            },
            "category": [{"coding": [_coding(LOINC, "59284-0", "Patient Consent")]}],
            "patient": ref("Patient", intake.client_id),
            "dateTime": instant(intake.consent_at),
            "policy": [{"uri": f"{RELIEF_SYSTEM}/consent/{intake.consent_version}"}],
            "sourceReference": ref("QuestionnaireResponse", intake.id),
            "verification": [
                {
                    "verified": True,
                    "verifiedWith": ref("Patient", intake.client_id),
                    "verificationDate": instant(intake.consent_at),
                }
            ],
        }
    )


def care_plan(plan, *, goal_ids, technique_names) -> dict:
    return _drop_empty(
        {
            "resourceType": "CarePlan",
            "id": str(plan.id),
            "status": PLAN_STATUS.get(plan.status, "unknown"),
            "intent": "plan",
            "title": "Treatment plan",
            "description": plan.problem_summary,
            "subject": ref("Patient", plan.client_id),
            "period": _drop_empty(
                {
                    "start": plan.start_date.isoformat(),
                    "end": plan.closed_at.date().isoformat() if plan.closed_at else None,
                }
            ),
            "created": instant(plan.created_at),
            "author": ref("Practitioner", practitioner_id(plan.therapist_id)),
            "goal": [ref("Goal", f"goal-{pk}") for pk in goal_ids],
            "activity": [
                {
                    "detail": {
                        "kind": "ServiceRequest",
                        "code": {"text": name},
                        "status": "in-progress" if plan.status == "active" else "completed",
                        "description": (
                            f"{plan.frequency}; {plan.planned_sessions} sessions planned"
                        ),
                    }
                }
                for name in technique_names
            ],
            "note": [{"text": f"Focus regions: {', '.join(plan.focus_regions)}"}]
            if plan.focus_regions
            else [],
        }
    )


def goal(goal_row, *, client_id, instrument_label: str) -> dict:
    comparator = "<=" if goal_row.direction == "at_most" else ">="
    loinc = INSTRUMENT_LOINC.get(goal_row.instrument)
    codings = [_coding(f"{RELIEF_SYSTEM}/instrument", goal_row.instrument, instrument_label)]
    if loinc:
        codings.insert(0, _coding(LOINC, *loinc))
    achieved = goal_row.achieved_at is not None
    return _drop_empty(
        {
            "resourceType": "Goal",
            "id": f"goal-{goal_row.pk}",
            "lifecycleStatus": "completed" if achieved else "active",
            "achievementStatus": {
                "coding": [
                    _coding(
                        "http://terminology.hl7.org/CodeSystem/goal-achievement",
                        "achieved" if achieved else "in-progress",
                    )
                ]
            },
            "description": {"text": goal_row.description},
            "subject": ref("Patient", client_id),
            "target": [
                _drop_empty(
                    {
                        "measure": {"coding": codings, "text": instrument_label},
                        "detailQuantity": {
                            "value": Decimal(goal_row.target_value),
                            "comparator": comparator,
                            "unit": "score",
                            "system": UCUM,
                            "code": "{score}",
                        },
                        "dueDate": goal_row.target_date.isoformat()
                        if goal_row.target_date
                        else None,
                    }
                )
            ],
            "statusDate": goal_row.achieved_at.date().isoformat() if achieved else None,
            "addresses": [],
        }
    )


def procedure(application, *, note, technique, appointment) -> dict:
    details = [f"{application.minutes} min"]
    if application.side:
        details.append(f"side: {application.side}")
    if application.pressure:
        details.append(f"pressure: {application.pressure}")
    notes = [{"text": ", ".join(details)}]
    if application.notes:
        notes.append({"text": application.notes})
    return _drop_empty(
        {
            "resourceType": "Procedure",
            "id": f"technique-{application.id}",
            "status": "completed" if note.status == "signed" else "in-progress",
            "code": _text_code("technique", technique.slug, technique.name),
            "category": {"text": technique.category},
            "subject": ref("Patient", note.client_id),
            "encounter": ref("Encounter", note.id),
            "performedPeriod": {
                "start": instant(appointment.starts_at),
                "end": instant(appointment.ends_at),
            },
            "performer": [{"actor": ref("Practitioner", practitioner_id(note.therapist_id))}],
            "bodySite": [
                _text_code("body-region", code, code) for code in application.body_regions or ()
            ],
            "note": notes,
        }
    )
