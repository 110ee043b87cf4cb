"""The recall list: clients due for a visit with nothing booked, for the desk to call.

The desk marks whom it contacted (who, when, a note); they sink; Undo takes it back.
"""

import random
import re
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from practice.models import Appointment
from reports import clientele as clientele_selectors
from reports.models import RecallContact
from sessions.models import TreatmentPlan
from tests import factories
from tests.reports.conftest import read_csv

URL = reverse("reports:recall")
S = Appointment.Status


def _ago(weeks, hour=0):
    return timezone.now() - timedelta(weeks=weeks, hours=hour)


@pytest.fixture
def clientele(therapist, other_therapist, book):
    """Due at 6 weeks: Ann (7 weeks), Gus (Sam's, 9 weeks), Eve (10 weeks, a no-show since)."""
    named = {}

    def client(first, visits, *, who=therapist, **extra):
        person = factories.ClientFactory(first_name=first, last_name="Recall", **extra)
        for weeks, status in visits:
            book(who, client=person, when=_ago(weeks, hour=2 * len(named)), status=status)
        named[first] = person
        return person

    ann = client("Ann", [(7, S.COMPLETED)])
    TreatmentPlan.objects.create(
        client=ann,
        therapist=therapist,
        problem_summary="Neck pain",
        frequency="weekly",
        planned_sessions=6,
        start_date=_ago(12).date(),
    )
    client("Bob", [(8, S.COMPLETED), (-1, S.BOOKED)])  # booked ahead
    client("Cat", [(2, S.COMPLETED)])  # seen lately
    client("Dan", [(110, S.COMPLETED)])  # gone for two years: not "due"
    client("Eve", [(10, S.COMPLETED), (3, S.NO_SHOW)])
    client("Fay", [(8, S.COMPLETED)], archived=True)
    client("Gus", [(9, S.CHECKED_IN)], who=other_therapist)
    client("Hal", [(8, S.CANCELLED)])  # never came
    return named


def _names(response):
    return [client.first_name for client in response.context["page"].object_list]


@pytest.mark.django_db
def test_due_clients_most_recently_lapsed_first(client_as, clientele):
    response = client_as("front_desk").get(URL)
    assert _names(response) == ["Ann", "Gus", "Eve"]
    text = response.text
    assert 'href="tel:+12025550100"' in text
    book = reverse("practice:book") + f"?client={clientele['Ann'].pk}"
    assert book in text
    assert "active plan" in text
    assert "3 clients due" in text


@pytest.mark.django_db
def test_a_longer_lapse_narrows_the_list(client_as, clientele):
    assert _names(client_as("owner").get(URL, {"weeks": 8})) == ["Gus", "Eve"]
    response = client_as("owner").get(URL, {"weeks": 26})
    assert _names(response) == []
    assert "No one is due" in response.text


@pytest.mark.django_db
def test_owner_filters_by_the_therapist_who_saw_them_last(client_as, clientele, other_therapist):
    assert _names(client_as("owner").get(URL, {"therapist": other_therapist.pk})) == ["Gus"]


@pytest.mark.django_db
def test_a_therapist_sees_only_their_own_clients(client_as, clientele):
    assert _names(client_as("therapist").get(URL)) == ["Ann", "Eve"]
    response = client_as("other_therapist").get(URL)
    assert _names(response) == ["Gus"]
    assert "Ann" not in response.text


@pytest.mark.django_db
def test_csv_lists_everyone_due_and_is_audited(client_as, clientele, front_desk):
    http = client_as("front_desk")
    page = http.get(URL)
    rows = read_csv(http.get(URL, {"format": "csv"}))
    assert rows[0] == [
        "Client",
        "Phone",
        "Email",
        "Last visit",
        "Last seen by",
        "Active plan",
        "Contacted at",
        "Contacted by",
        "Contact note",
    ]
    shown = [client.full_name for client in page.context["page"].object_list]
    assert [row[0] for row in rows[1:]] == shown
    assert rows[1][1:2] == ["+12025550100"]
    assert rows[1][5] == "yes" and rows[2][4] == "Sam Okafor"
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS, object_pk="Recall list")
    assert entry.actor == front_desk
    assert entry.additional_data["count"] == 3


@pytest.mark.django_db
def test_the_list_pages_by_fifty(client_as, therapist, book):
    for i in range(55):
        book(therapist, when=_ago(8, hour=2 * i))
    http = client_as("owner")
    first = http.get(URL)
    assert len(first.context["page"].object_list) == 50
    assert "Page 1 of 2" in first.text
    assert len(http.get(URL, {"page": 2}).context["page"].object_list) == 5
    assert len(read_csv(http.get(URL, {"format": "csv"}))) == 56


# Contact marks ----------------------------------------------------------------


def _mark(http, client, note="", back="weeks=6"):
    url = reverse("reports:recall_contact", args=[client.pk])
    return http.post(url, {"note": note, "back": back})


def _entries(action):
    kind = ContentType.objects.get_for_model(RecallContact)
    return LogEntry.objects.filter(content_type=kind, action=action)


@pytest.mark.django_db
def test_front_desk_marks_a_client_contacted_and_they_sink_below_the_others(
    client_as, clientele, front_desk
):
    http = client_as("front_desk")
    ann = clientele["Ann"]
    response = _mark(http, ann, note="  left voicemail ")
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?weeks=6"
    mark = RecallContact.objects.get(client=ann)
    assert (mark.contacted_by, mark.note) == (front_desk, "left voicemail")
    assert timezone.now() - mark.contacted_at < timedelta(minutes=1)
    page = http.get(URL)
    # Ann lapsed most recently, so she led the list; contacted, she goes last.
    assert _names(page) == ["Gus", "Eve", "Ann"]
    text = page.text
    assert "left voicemail" in text
    assert f"by {front_desk.get_full_name()}" in text
    assert reverse("reports:recall_contact_undo", args=[ann.pk]) in text
    assert "Ann Recall marked as contacted." in text
    assert _entries(LogEntry.Action.CREATE).get(object_pk=str(mark.pk)).actor == front_desk


@pytest.mark.django_db
def test_the_list_filters_to_those_waiting_for_a_call_or_those_contacted(client_as, clientele):
    http = client_as("owner")
    _mark(http, clientele["Eve"])
    assert _names(http.get(URL, {"contact": "waiting"})) == ["Ann", "Gus"]
    assert _names(http.get(URL, {"contact": "contacted"})) == ["Eve"]
    assert _names(http.get(URL, {"contact": "nonsense"})) == ["Ann", "Gus", "Eve"]


@pytest.mark.django_db
def test_undo_takes_the_latest_mark_back_and_is_audited(client_as, clientele, owner):
    http = client_as("owner")
    ann = clientele["Ann"]
    _mark(http, ann, note="no answer")
    _mark(http, ann, note="left voicemail")
    undo = reverse("reports:recall_contact_undo", args=[ann.pk])
    response = http.post(undo, {"back": "weeks=6&contact=contacted"})
    assert response["Location"] == f"{URL}?weeks=6&contact=contacted"
    assert list(RecallContact.objects.values_list("note", flat=True)) == ["no answer"]
    assert _entries(LogEntry.Action.DELETE).get().actor == owner
    http.post(undo)
    assert not RecallContact.objects.exists()
    assert _names(http.get(URL)) == ["Ann", "Gus", "Eve"]
    assert "had no contact mark" in http.post(undo, follow=True).text


@pytest.mark.django_db
def test_a_contact_from_before_the_last_visit_belonged_to_an_earlier_lapse(
    client_as, clientele, front_desk
):
    ann = clientele["Ann"]  # last visit 7 weeks ago
    RecallContact.objects.create(
        client=ann, contacted_by=front_desk, contacted_at=timezone.now() - timedelta(weeks=9)
    )
    page = client_as("front_desk").get(URL)
    assert _names(page) == ["Ann", "Gus", "Eve"]
    assert page.context["page"].object_list[0].contact is None


@pytest.mark.django_db
@pytest.mark.parametrize("persona_name", ["therapist", "other_therapist"])
def test_therapists_read_the_marks_but_cannot_make_or_undo_them(
    client_as, clientele, front_desk, persona_name
):
    ann = clientele["Ann"]
    RecallContact.objects.create(client=ann, contacted_by=front_desk, note="left voicemail")
    http = client_as(persona_name)
    assert _mark(http, clientele["Eve"]).status_code == 404
    undo = reverse("reports:recall_contact_undo", args=[ann.pk])
    assert http.post(undo).status_code == 404
    assert list(RecallContact.objects.values_list("client", flat=True)) == [ann.pk]
    if persona_name == "therapist":  # Ann is Dana's client
        page = client_as("therapist").get(URL)
        assert "left voicemail" in page.text
        assert reverse("reports:recall_contact", args=[clientele["Eve"].pk]) not in page.text
        assert undo not in page.text


@pytest.mark.django_db
def test_an_unknown_client_is_404(client_as, clientele):
    response = _mark(client_as("front_desk"), factories.ClientFactory.build())
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_note_too_long_is_refused_with_the_text_kept(client_as, clientele):
    typed = "left voicemail, " * 20
    response = _mark(client_as("front_desk"), clientele["Ann"], note=typed)
    assert response.status_code == 400
    assert "Ensure this value has at most 200 characters" in response.text
    assert f'value="{typed}"' in response.text
    assert 'name="back" value="weeks=6"' in response.text
    assert not RecallContact.objects.exists()


@pytest.mark.django_db
def test_the_back_link_stays_on_the_recall_list(client_as, clientele):
    response = _mark(client_as("front_desk"), clientele["Ann"], back="https://evil.test/?x=1")
    assert response["Location"].startswith(f"{URL}?")
    assert "//" not in response["Location"].split("?", 1)[0]


@pytest.mark.django_db
def test_the_csv_says_who_contacted_whom_when(client_as, clientele, front_desk):
    http = client_as("front_desk")
    _mark(http, clientele["Gus"], note="will call back")
    rows = read_csv(http.get(URL, {"format": "csv"}))
    gus = rows[-1]
    assert gus[0] == clientele["Gus"].full_name
    assert gus[7:] == [front_desk.get_full_name(), "will call back"]
    assert gus[6].startswith(timezone.localdate().isoformat()[:4])
    assert rows[1][6:] == ["", "", ""]


@pytest.mark.django_db
def test_the_marks_cost_the_same_queries_for_one_or_many(client_as, clientele, front_desk):
    http = client_as("front_desk")
    _mark(http, clientele["Ann"])
    with CaptureQueriesContext(connection) as one:
        http.get(URL)
    for name in ("Gus", "Eve"):
        _mark(http, clientele[name])
    with CaptureQueriesContext(connection) as three:
        http.get(URL)
    assert len(three) == len(one)


def _due_by_the_rules(appointments, *, now, weeks, location, therapist):
    """The recall rules applied client by client in Python: (client, last visit), in order."""
    lapsed = now - timedelta(weeks=weeks)
    by_client = {}
    for row in appointments:
        by_client.setdefault(row.client, []).append(row)
    due = []
    for person, rows in by_client.items():
        visits = [
            r
            for r in rows
            if r.status in (S.CHECKED_IN, S.COMPLETED)
            and (location is None or r.location_id == location.pk)
        ]
        if person.archived or not visits:
            continue
        last = max(visits, key=lambda r: r.starts_at)
        if not (now - timedelta(days=365) <= last.starts_at < lapsed):
            continue
        if any(r.starts_at >= lapsed and r.status in Appointment.ACTIVE_STATUSES for r in rows):
            continue
        if therapist is not None and last.therapist_id != therapist.pk:
            continue
        due.append((last.starts_at, person))
    due.sort(key=lambda d: (-d[0].timestamp(), d[1].last_name, d[1].first_name, str(d[1].pk)))
    return [(person.pk, last) for last, person in due]


@pytest.mark.django_db
@pytest.mark.parametrize("probes", [True, pytest.param(False, marks=pytest.mark.postgres)])
def test_the_list_follows_the_rules_for_every_status_place_and_therapist(
    therapist, other_therapist, location, probes
):
    """Both formulations: the probes of the appointments (SQLite's) and the visit
    summary (PostgreSQL's)."""
    rng = random.Random(5)
    west = factories.LocationFactory(name="West", time_zone="America/Los_Angeles")
    people = [factories.ClientFactory(archived=rng.random() < 0.1) for _ in range(40)]
    statuses = list(S)
    now = timezone.now()
    for person_index, who in enumerate((therapist, other_therapist)):
        when = now - timedelta(days=420, hours=person_index)
        while when < now + timedelta(days=30):
            status = rng.choice(statuses)
            factories.AppointmentFactory(
                therapist=who,
                client=rng.choice(people),
                location=rng.choice([location, west]),
                starts_at=when,
                status=status,
            )
            when += timedelta(days=rng.choice([1, 3, 9]), hours=2)
    appointments = list(Appointment.objects.select_related("client"))
    seen = 0
    for weeks in (4, 6, 12):
        for place in (None, location, west):
            for who in (None, therapist, other_therapist):
                expected = _due_by_the_rules(
                    appointments, now=now, weeks=weeks, location=place, therapist=who
                )
                got = clientele_selectors.recall_list(
                    clients=Client.objects.all(),
                    now=now,
                    weeks=weeks,
                    location=place,
                    therapist=who,
                    probes=probes,
                )
                assert [(c.pk, c.last_visit) for c in got] == expected, (weeks, place, who)
                seen += len(expected)
    assert seen  # the practice has clients due, so the comparison compared something


@pytest.fixture
def tied_practice(therapist, other_therapist, front_desk):
    """36 clients lapsed at twelve instants, three at each (one per therapist),
    with names from a small pool: the order rests on the start, the name and the
    id. A tenth archived, some booked ahead, some marked since their visit and
    some only before it."""
    rng = random.Random(19)
    third = factories.TherapistFactory()
    now = timezone.now()
    for instant in range(12):
        when = now - timedelta(weeks=7, days=3 * instant)
        for who in (therapist, other_therapist, third):
            person = factories.ClientFactory(
                first_name=rng.choice(["Ada", "Ben"]),
                last_name=rng.choice(["Ames", "Boyd"]),
                archived=rng.random() < 0.1,
            )
            factories.AppointmentFactory(
                therapist=who, client=person, starts_at=when, status=S.COMPLETED
            )
            if rng.random() < 0.15:
                factories.AppointmentFactory(
                    therapist=who, client=person, starts_at=now + timedelta(days=instant + 1)
                )
            marked = rng.random()
            if marked < 0.5:
                after = marked < 0.35
                RecallContact.objects.create(
                    client=person,
                    contacted_by=front_desk,
                    contacted_at=when + timedelta(days=1 if after else -1),
                )
    return now


def _rows(clients):
    return [(c.pk, c.last_visit, c.last_therapist_id, c.contacted) for c in clients]


@pytest.mark.django_db
@pytest.mark.postgres
@pytest.mark.parametrize("contact", ["", "waiting", "contacted"])
def test_the_summary_pages_the_list_as_the_reference_sorts_it(tied_practice, contact):
    """The summary's two walks (waiting, then contacted), cut into pages of any
    size, give the reference's single sort of everyone."""
    query = {"clients": Client.objects.all(), "now": tied_practice, "contact": contact}
    reference = _rows(clientele_selectors.recall_list(probes=True, **query))
    assert any(row[3] for row in reference) or contact == "waiting"
    assert not all(row[3] for row in reference) or contact == "contacted"
    due = clientele_selectors.recall_list(probes=False, **query)
    assert due.count() == len(reference)
    assert _rows(due) == reference
    for size in (1, 5, 7, 50):
        paged = [
            row
            for start in range(0, len(reference), size)
            for row in _rows(due[start : start + size])
        ]
        assert paged == reference, size


@pytest.mark.django_db
@pytest.mark.postgres
def test_the_page_and_csv_from_the_summary_are_those_of_the_reference(
    client_as, tied_practice, monkeypatch
):
    """Byte for byte (the forms' CSRF tokens aside), page by page across the
    boundary between the waiting and the contacted clients, and the CSV."""
    from reports import views

    monkeypatch.setattr(views, "RECALL_PAGE_SIZE", 7)
    http = client_as("front_desk")
    csrf = re.compile(rb'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')

    def pages():
        shown = [csrf.sub(rb"\1", http.get(URL, {"page": n}).content) for n in range(1, 5)]
        return shown, http.get(URL, {"format": "csv"}).content

    summary = pages()
    monkeypatch.setattr(clientele_selectors, "summarised", lambda: False)
    assert pages() == summary
    assert b"contacted</span>" in summary[0][-2]


@pytest.mark.django_db
def test_the_page_costs_the_same_queries_for_few_or_many_due(
    client_as, clientele, front_desk, book, django_assert_max_num_queries
):
    """Three due, then 63 with half of the new ones contacted (the first page
    then holds both the waiting and the contacted clients)."""
    http = client_as("front_desk")
    with CaptureQueriesContext(connection) as few:
        assert _names(http.get(URL)) == ["Ann", "Gus", "Eve"]
    assert len(few) <= 15
    someone = factories.TherapistFactory()
    for i in range(60):
        visit = book(someone, when=_ago(8, hour=2 * i))
        if i % 2:
            RecallContact.objects.create(client=visit.client, contacted_by=front_desk)
    with django_assert_max_num_queries(len(few)):
        page = http.get(URL)
    assert "63 clients due" in page.text
    shown = page.context["page"].object_list
    assert [client.contacted for client in shown] == [False] * 33 + [True] * 17
