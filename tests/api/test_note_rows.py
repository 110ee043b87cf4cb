"""The notes lists are written from plain rows (api.rest.rows); their JSON is
byte for byte what SessionNoteSerializer writes from the model instances, in
the list and alone, whichever way the techniques and amendments are read (in
the notes' own statement on PostgreSQL, a query each elsewhere), and each
read is one audit entry of the token's user."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from api.rest import selectors
from api.rest.serializers import SessionNoteSerializer
from practice.timezones import practice_time_zone
from sessions.models import (
    NoteAmendment,
    SessionNote,
    Technique,
    TechniqueApplication,
    TreatmentPlan,
)
from sessions.services import note_sign
from tests import factories
from tests.access_rows.api import signed_note

pytestmark = pytest.mark.django_db


@pytest.fixture
def notes(access_world, owner):
    """Three signed notes of Dana's: one bare; one with a plan, two techniques
    (one with regions and notes, in the order recorded) and two amendments,
    with text that JSON must escape; one with a technique only."""
    world = access_world
    bare = signed_note(world)
    plan = TreatmentPlan.objects.create(
        client=world.client, therapist=world.therapist, problem_summary="Low back",
        frequency="Weekly", planned_sessions=6, start_date=date(2026, 1, 5),
    )  # fmt: skip
    trigger = Technique.objects.create(name="Trigger point", slug="trigger-point",
                                       category="clinical")  # fmt: skip
    hold = Technique.objects.create(name="Hold", slug="hold", category="relaxation")
    made = []
    for days, techniques in ((14, (hold, trigger)), (21, (trigger,))):
        appointment = factories.AppointmentFactory(
            client=world.client, therapist=world.therapist, service=world.service,
            location=world.location, status="completed",
            starts_at=world.appointment.starts_at - timedelta(days=days),
        )  # fmt: skip
        note = SessionNote.objects.create(
            appointment=appointment, client=world.client, therapist=world.therapist,
            plan=plan if days == 14 else None, subjective='Said "ouch" \\ ünïcode <b>',
            objective="Tight\nlevator", assessment="Better.", pressure="firm", home_care="Heat.",
        )  # fmt: skip
        for n, technique in enumerate(techniques):
            TechniqueApplication.objects.create(
                note=note, technique=technique, minutes=10 + n,
                body_regions=["neck", "upper_back"] if n else [], side="left" if n else "",
                notes="Eased" if n else "",
            )  # fmt: skip
        made.append(note_sign(note=note, user=world.therapist.user))
    for text in ("Also the shoulder.", "Corrected: right side."):
        NoteAmendment.objects.create(note=made[0], author=world.therapist.user, text=text)
    # Edge cases of the JSON read back: text that JSON escapes (and the two
    # line separators the renderer escapes too), a time on a whole second and
    # one on the other side of a daylight-saving change, and ties in time.
    tricky = 'Quote " back\\slash \u2028 \u2029 tab\t ñ \U0001f600'
    TechniqueApplication.objects.filter(note=made[1]).update(notes=tricky,
                                                             body_regions=["neck"])  # fmt: skip
    summer = datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC)
    for text in (tricky, "Same time, later id.", ""):
        amendment = NoteAmendment.objects.create(note=made[1], author=owner, text=text)
        NoteAmendment.objects.filter(pk=amendment.pk).update(created_at=summer)
    return [bare, *made]


@pytest.fixture(params=["in_note_rows", "a_query_each"])
def children_path(request, monkeypatch):
    """Both ways of reading a page's techniques and amendments, on this database."""
    if request.param == "in_note_rows":
        if not selectors.children_in_note_rows():
            pytest.skip("aggregated in the notes' statement on PostgreSQL only")
    else:
        monkeypatch.setattr(selectors, "children_in_note_rows", lambda: False)
    return request.param


def _reference(notes):
    """The previous representation: model instances through the serializer."""
    instances = SessionNote.objects.filter(pk__in=[n.pk for n in notes]).prefetch_related(
        Prefetch(
            "techniques",
            queryset=TechniqueApplication.objects.select_related("technique").order_by("pk"),
        ),
        "amendments",
    )
    by_pk = {n.pk: n for n in instances}
    with timezone.override(practice_time_zone()):
        return SessionNoteSerializer([by_pk[n.pk] for n in notes], many=True).data


def test_the_list_and_one_note_are_byte_for_byte_the_serializers(
    bearer, notes, owner, children_path
):
    http = bearer(owner)
    response = http.get("/api/v1/notes/")
    assert response.status_code == 200
    shown = [row["id"] for row in response.json()["results"]]
    assert set(shown) == {str(n.pk) for n in notes}
    in_order = sorted(notes, key=lambda n: shown.index(str(n.pk)))
    expected = {"next": None, "previous": None, "results": _reference(in_order)}
    assert response.content == JSONRenderer().render(expected)
    # Not a vacuous match: the rows carry what the fixture wrote.
    rich = json.loads(response.content)["results"][shown.index(str(notes[1].pk))]
    assert [t["technique"] for t in rich["techniques"]] == ["hold", "trigger-point"]
    texts = [a["text"] for a in rich["amendments"]]
    assert texts == ["Also the shoulder.", "Corrected: right side."]
    assert rich["plan"] == str(notes[1].plan_id) and rich["signed_at"]
    summer = datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC)
    edges = json.loads(response.content)["results"][shown.index(str(notes[2].pk))]
    assert edges["techniques"][0]["notes"].startswith('Quote " back')
    assert [a["text"] for a in edges["amendments"]][1:] == ["Same time, later id.", ""]
    in_summer = timezone.localtime(summer, practice_time_zone()).isoformat()
    assert {a["created_at"] for a in edges["amendments"]} == {in_summer}
    assert "\\u2028" in response.content.decode()
    for note in notes:
        one = http.get(f"/api/v1/notes/{note.pk}/")
        assert one.content == JSONRenderer().render(_reference([note])[0])


@pytest.mark.postgres
def test_a_page_of_notes_reads_its_techniques_and_amendments_in_its_own_statement(
    bearer, notes, owner
):
    http = bearer(owner)
    http.get("/api/v1/notes/")  # warm: content types, the token's stamp
    with CaptureQueriesContext(connection) as captured:
        assert http.get("/api/v1/notes/").status_code == 200
    children = ("techniqueapplication", "noteamendment")
    reading = [q["sql"] for q in captured.captured_queries if any(t in q["sql"] for t in children)]
    assert len(reading) == 1 and "sessionnote" in reading[0].split("FROM")[-1]


def test_a_page_of_notes_is_one_audit_entry_per_note_in_one_insert(bearer, notes, owner):
    http = bearer(owner)
    http.get("/api/v1/notes/?page_size=1")  # warm: content types, the token's stamp
    LogEntry.objects.filter(action=LogEntry.Action.ACCESS).delete()
    with CaptureQueriesContext(connection) as captured:
        response = http.get("/api/v1/notes/", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    inserts = [q for q in captured.captured_queries if "auditlog_logentry" in q["sql"]]
    assert len(inserts) == 1 and inserts[0]["sql"].startswith("INSERT")
    entries = list(LogEntry.objects.filter(action=LogEntry.Action.ACCESS))
    assert sorted(e.object_pk for e in entries) == sorted(str(n.pk) for n in notes)
    note_type = ContentType.objects.get_for_model(SessionNote)
    for entry in entries:
        assert entry.content_type == note_type and entry.object_repr == entry.object_pk
        assert entry.actor == owner and entry.remote_addr == "203.0.113.9"
        assert entry.changes_text == "" and entry.changes is None and entry.cid
        assert abs(entry.timestamp - timezone.now()) < timedelta(minutes=1)
    assert len({e.cid for e in entries}) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_page_of_notes_records_its_reads_without_waiting_for_the_disk(bearer, notes, owner):
    """As a chart's read record: the INSERT carries its own asynchronous commit
    (a list's tail was that commit's WAL flush), and nothing else changes."""
    http = bearer(owner)
    with CaptureQueriesContext(connection) as captured:
        assert http.get("/api/v1/notes/").status_code == 200
    inserts = [q["sql"] for q in captured.captured_queries if "auditlog_logentry" in q["sql"]]
    assert len(inserts) == 1
    assert inserts[0].startswith('SET LOCAL synchronous_commit TO OFF; INSERT INTO "auditlog')
    read = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=owner)
    assert sorted(read.values_list("object_pk", flat=True)) == sorted(str(n.pk) for n in notes)
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
