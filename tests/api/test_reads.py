"""Reads show what the pages show: a therapist their clients, front desk no
clinical data, signed notes only; clinical reads are audited under the token's user."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from clients.models import Client, Intake, Score
from sessions.models import SessionNote, Technique, TechniqueApplication
from sessions.services import note_sign
from tests import factories
from tests.access_rows.api import signed_note
from tests.clients.factories import IntakeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(access_world, other_therapist, settings):
    """Dana's client with an intake, a score and a signed and a draft note; one of Sam's."""
    settings.RELIEF_API_TOKEN_ROLES = ["Owner", "Therapist", "Front desk"]
    IntakeFactory(client=access_world.client)
    Score.objects.create(
        client=access_world.client,
        instrument="pain_nrs",
        value=6,
        recorded_at=timezone.now(),
        context="check_in",
    )
    access_world.signed = signed_note(access_world)
    access_world.draft = SessionNote.objects.create(
        appointment=access_world.appointment,
        client=access_world.client,
        therapist=access_world.therapist,
        subjective="Draft only.",
    )
    access_world.sams_client = factories.ClientFactory(primary_therapist=other_therapist)
    IntakeFactory(client=access_world.sams_client)
    return access_world


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_a_therapist_lists_only_their_clients(bearer, world, other_therapist, owner):
    assert _ids(bearer(world.therapist.user).get("/api/v1/clients/")) == [str(world.client.pk)]
    assert _ids(bearer(other_therapist.user).get("/api/v1/clients/")) == [str(world.sams_client.pk)]
    assert len(_ids(bearer(owner).get("/api/v1/clients/"))) == 2
    # Out of scope is 404, as on the pages.
    sam = bearer(other_therapist.user)
    assert sam.get(f"/api/v1/clients/{world.client.pk}/").status_code == 404


def test_front_desk_sees_contacts_and_red_flag_yes_no_but_no_clinical_data(
    bearer, world, front_desk
):
    http = bearer(front_desk)
    row = http.get(f"/api/v1/clients/{world.client.pk}/").json()
    assert row["email"] == world.client.email and "has_red_flags" in row
    for path in ("intakes", "scores", "notes", "plans"):
        response = http.get(f"/api/v1/{path}/")
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_therapists_see_intakes_and_scores_of_their_clients_only(bearer, world, other_therapist):
    dana = bearer(world.therapist.user)
    intakes = dana.get("/api/v1/intakes/").json()["results"]
    assert {row["client"] for row in intakes} == {str(world.client.pk)}
    assert "consent_ip" not in intakes[0]
    scores = dana.get("/api/v1/scores/").json()["results"]
    assert {row["client"] for row in scores} == {str(world.client.pk)}
    sams = bearer(other_therapist.user).get("/api/v1/intakes/").json()["results"]
    assert {row["client"] for row in sams} == {str(world.sams_client.pk)}


def test_only_signed_notes_are_served(bearer, world):
    http = bearer(world.therapist.user)
    assert _ids(http.get("/api/v1/notes/")) == [str(world.signed.pk)]
    assert http.get(f"/api/v1/notes/{world.draft.pk}/").status_code == 404
    note = http.get(f"/api/v1/notes/{world.signed.pk}/").json()
    assert note["status"] == "signed" and note["assessment"] == "Improving."
    assert note["content_hash"] == world.signed.content_hash


def test_a_note_shows_its_techniques_in_order_in_the_list_and_alone(bearer, world, owner):
    first = Technique.objects.create(
        name="Trigger point", slug="trigger-point", category="clinical"
    )
    second = Technique.objects.create(name="Bench hold", slug="bench-hold", category="relaxation")
    note = SessionNote.objects.create(
        appointment=factories.AppointmentFactory(
            client=world.client,
            therapist=world.therapist,
            starts_at=world.appointment.starts_at - timedelta(days=14),
            status="completed",
        ),
        client=world.client,
        therapist=world.therapist,
        subjective="Shoulder.",
        assessment="Better.",
    )
    TechniqueApplication.objects.create(
        note=note,
        technique=first,
        body_regions=["neck", "upper_back"],
        side="left",
        minutes=15,
        pressure="firm",
        notes="Eased",
    )
    TechniqueApplication.objects.create(note=note, technique=second, minutes=30)
    note = note_sign(note=note, user=world.therapist.user)
    expected = [
        {
            "technique": first.slug,
            "body_regions": ["neck", "upper_back"],
            "side": "left",
            "minutes": 15,
            "pressure": "firm",
            "notes": "Eased",
        },
        {
            "technique": second.slug,
            "body_regions": [],
            "side": "",
            "minutes": 30,
            "pressure": "",
            "notes": "",
        },
    ]
    http = bearer(owner)
    rows = {r["id"]: r for r in http.get("/api/v1/notes/").json()["results"]}
    assert rows[str(note.pk)]["techniques"] == expected
    assert rows[str(world.signed.pk)]["techniques"] == []
    assert http.get(f"/api/v1/notes/{note.pk}/").json()["techniques"] == expected


def test_client_phone_numbers_are_shown_in_e164(bearer, world, owner):
    Client.objects.filter(pk=world.client.pk).update(phone="", emergency_contact_phone="")
    world.client.refresh_from_db()
    world.client.phone = "(202) 555-0143"  # as typed; stored as E.164
    world.client.emergency_contact_phone = "202-555-0199"
    world.client.save()
    http = bearer(owner)
    rows = {r["id"]: r for r in http.get("/api/v1/clients/").json()["results"]}
    mine = rows[str(world.client.pk)]
    assert (mine["phone"], mine["emergency_contact_phone"]) == ("+12025550143", "+12025550199")
    assert rows[str(world.sams_client.pk)]["emergency_contact_phone"] == ""
    one = http.get(f"/api/v1/clients/{world.client.pk}/").json()
    assert one["phone"] == "+12025550143"


def test_clinical_reads_are_audited_under_the_tokens_user(bearer, world):
    dana = world.therapist.user
    http = bearer(dana)
    http.get("/api/v1/notes/")
    http.get("/api/v1/intakes/")
    http.get(f"/api/v1/clients/{world.client.pk}/")
    reads = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    by_type = {
        model: set(
            reads.filter(content_type=ContentType.objects.get_for_model(model)).values_list(
                "object_pk", flat=True
            )
        )
        for model in (SessionNote, Intake, Client)
    }
    assert by_type[SessionNote] == {str(world.signed.pk)}
    assert by_type[Intake] == {str(i.pk) for i in Intake.objects.filter(client=world.client)}
    assert by_type[Client] == {str(world.client.pk)}
    assert set(reads.values_list("actor", flat=True)) == {dana.pk}


def test_invoices_show_the_derived_balance_to_billing_roles_only(bearer, world, front_desk):
    from billing import services

    invoice = services.invoice_open_for_appointment(appointment=world.appointment, by=None)
    services.invoice_issue(invoice=invoice, by=None)
    invoice.refresh_from_db()
    invoice.payments.create(method="cash", amount="10.00", received_at=timezone.now())
    row = bearer(front_desk).get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert row["paid"] == "10.00"
    assert float(row["balance"]) == float(invoice.total) - 10
    assert len(row["lines"]) == invoice.lines.count()
    payments = bearer(front_desk).get("/api/v1/payments/").json()["results"]
    assert [p["amount"] for p in payments] == ["10.00"]
    assert bearer(world.therapist.user).get("/api/v1/invoices/").status_code == 404


def test_availability_lists_free_times(bearer, world, works_every_day, owner):
    works_every_day(world.therapist, world.location)
    factories.RoomFactory(location=world.location)
    response = bearer(owner).get("/api/v1/availability/", {"service": world.service.pk, "days": 2})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["slots"] and body["therapists"] == {
        str(world.therapist.pk): world.therapist.display_name
    }
    taken = world.appointment.starts_at.isoformat()
    assert all(slot["starts_at"] != taken for slot in body["slots"])
    bad = bearer(owner).get("/api/v1/availability/", {"service": "x", "days": 99})
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"service", "days"}
