"""The recall list: clients due for a visit with nothing booked, for the desk to call."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from practice.models import Appointment
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
    assert rows[0] == ["Client", "Phone", "Email", "Last visit", "Last seen by", "Active plan"]
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
