"""Client records: create, duplicates, edit, archive, and what each role sees."""

from datetime import date

import pytest
from django.urls import reverse

from clients import selectors, services
from clients.models import Client
from tests.clients.factories import IntakeFactory
from tests.factories import AppointmentFactory, ClientFactory

pytestmark = pytest.mark.django_db

NEW_CLIENT = {
    "first_name": "Priya",
    "last_name": "Shah",
    "date_of_birth": "1990-01-27",
    "email": "Priya@Mail.test",
    "phone": "202-555-0112",
    "consent_email_reminders": "on",
}


def test_front_desk_adds_a_client(client_as, front_desk):
    http = client_as("front_desk")
    response = http.post(reverse("clients:create"), NEW_CLIENT)
    created = Client.objects.get()
    assert response["Location"] == reverse("clients:detail", args=[created.pk])
    assert created.email == "priya@mail.test"
    assert str(created.phone) == "+12025550112"
    assert created.created_by == front_desk


def test_missing_name_is_a_plain_error_and_keeps_what_was_typed(client_as):
    http = client_as("front_desk")
    response = http.post(reverse("clients:create"), {**NEW_CLIENT, "first_name": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in html
    assert 'value="Shah"' in html
    assert Client.objects.count() == 0


@pytest.mark.parametrize(
    "existing",
    [
        {"email": "priya@mail.test", "phone": ""},
        {"email": "", "phone": "+12025550112"},
        {"email": "", "phone": "", "date_of_birth": date(1990, 1, 27)},
    ],
    ids=["same-email", "same-phone", "same-name-and-birth-date"],
)
def test_a_lookalike_client_warns_and_can_be_overridden(client_as, existing):
    other = ClientFactory(first_name="Priya", last_name="Shah", **existing)
    http = client_as("front_desk")
    warned = http.post(reverse("clients:create"), NEW_CLIENT)
    html = warned.content.decode()
    assert warned.status_code == 200
    assert "This looks like a client you already have" in html
    assert reverse("clients:detail", args=[other.pk]) in html
    assert "This is a different person" in html
    assert Client.objects.count() == 1
    saved = http.post(reverse("clients:create"), {**NEW_CLIENT, "confirm_not_duplicate": "on"})
    assert saved.status_code == 302
    assert Client.objects.count() == 2


def test_same_name_different_birth_date_is_no_duplicate():
    ClientFactory(
        first_name="Priya", last_name="Shah", date_of_birth=date(1991, 1, 1), email="", phone=""
    )
    assert (
        selectors.client_possible_duplicates(
            first_name="Priya",
            last_name="Shah",
            date_of_birth=date(1990, 1, 27),
            email="",
            phone="",
        )
        == []
    )


def test_editing_a_client_does_not_warn_about_itself(client_as):
    priya = ClientFactory(first_name="Priya", last_name="Shah", email="priya@mail.test")
    http = client_as("owner")
    response = http.post(
        reverse("clients:edit", args=[priya.pk]), {**NEW_CLIENT, "last_name": "Shah-Patel"}
    )
    assert response.status_code == 302
    priya.refresh_from_db()
    assert priya.last_name == "Shah-Patel"


def test_archive_hides_from_search_and_restore_brings_back(client_as):
    priya = ClientFactory(first_name="Priya", last_name="Shah")
    http = client_as("front_desk")
    http.post(reverse("clients:archive", args=[priya.pk]))
    priya.refresh_from_db()
    assert priya.archived
    http.get(reverse("clients:list"))  # shows (and clears) the "archived" message
    assert "Shah, Priya" not in http.get(reverse("clients:list"), {"q": "priya"}).content.decode()
    assert (
        "Shah, Priya"
        in http.get(reverse("clients:list"), {"q": "priya", "archived": "1"}).content.decode()
    )
    http.post(reverse("clients:archive", args=[priya.pk]), {"restore": "1"})
    priya.refresh_from_db()
    assert not priya.archived


def test_therapist_cannot_archive(client_as, therapist):
    priya = ClientFactory(primary_therapist=therapist)
    response = client_as("therapist").post(reverse("clients:archive", args=[priya.pk]))
    assert response.status_code == 404
    priya.refresh_from_db()
    assert not priya.archived


@pytest.fixture
def flagged_client(therapist):
    maria = ClientFactory(first_name="Maria", primary_therapist=therapist, has_red_flags=True)
    IntakeFactory(
        client=maria,
        chief_complaint="Sciatica down the left leg",
        red_flags=["History of blood clots / DVT: no deep work on the legs until cleared."],
    )
    return maria


def test_dana_sees_intake_summary_and_red_flag_reasons(client_as, flagged_client):
    html = client_as("therapist").get(reverse("clients:detail", args=[flagged_client.pk])).content
    html = html.decode()
    assert "Review before treating" in html
    assert "History of blood clots" in html
    assert "Sciatica down the left leg" in html
    assert "Low back" in html  # the marked body region


def test_front_desk_sees_only_whether_there_are_red_flags(client_as, flagged_client):
    html = client_as("front_desk").get(reverse("clients:detail", args=[flagged_client.pk]))
    html = html.content.decode()
    assert "Has red flags: <strong>Yes</strong>" in html
    assert "History of blood clots" not in html
    assert "Sciatica" not in html
    assert "Scores over time" not in html


def test_front_desk_cannot_open_intake_answers(client_as, flagged_client):
    intake = flagged_client.intakes.get()
    url = reverse("clients:intake_detail", args=[flagged_client.pk, intake.pk])
    assert client_as("front_desk").get(url).status_code == 404
    response = client_as("therapist").get(url)
    assert response.status_code == 200
    from clients.consent import consent_text

    assert consent_text(intake.consent_version) in response.content.decode()


def test_sam_gets_404_for_danas_client(client_as, flagged_client):
    response = client_as("other_therapist").get(reverse("clients:detail", args=[flagged_client.pk]))
    assert response.status_code == 404


def test_a_therapist_with_an_appointment_sees_the_client(client_as, other_therapist, location):
    priya = ClientFactory()
    AppointmentFactory(client=priya, therapist=other_therapist, location=location)
    assert (
        client_as("other_therapist").get(reverse("clients:detail", args=[priya.pk])).status_code
        == 200
    )


def test_red_flag_reasons_selector_reads_the_latest_intake(flagged_client):
    assert selectors.red_flag_reasons(flagged_client) == [
        "History of blood clots / DVT: no deep work on the legs until cleared."
    ]
    flagged_client.has_red_flags = False
    assert selectors.red_flag_reasons(flagged_client) == []


def test_treatment_history_link_only_when_the_page_exists(client_as, flagged_client):
    html = client_as("therapist").get(reverse("clients:detail", args=[flagged_client.pk]))
    from django.urls import NoReverseMatch

    try:
        url = reverse("sessions:client_history", kwargs={"client_id": flagged_client.pk})
    except NoReverseMatch:
        assert "Treatment history" not in html.content.decode()
    else:
        assert url in html.content.decode()


def test_treatment_history_link_never_shown_to_front_desk(client_as, flagged_client):
    html = client_as("front_desk").get(reverse("clients:detail", args=[flagged_client.pk]))
    assert "Treatment history" not in html.content.decode()


def test_opening_a_chart_is_audited(client_as, flagged_client):
    from auditlog.models import LogEntry

    client_as("therapist").get(reverse("clients:detail", args=[flagged_client.pk]))
    assert LogEntry.objects.filter(
        object_pk=str(flagged_client.pk), action=LogEntry.Action.ACCESS
    ).exists()


def test_services_validate(therapist):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.client_create(first_name="", last_name="Shah")


def _add_scores(client, n):
    from datetime import timedelta

    from django.utils import timezone

    from clients.models import Score

    start = timezone.now() - timedelta(days=n)
    Score.objects.bulk_create(
        Score(
            client=client,
            instrument=instrument,
            value=5,
            recorded_at=start + timedelta(days=i),
            context="pre_session",
        )
        for i in range(n)
        for instrument in ("pain_nrs", "stress", "sleep")
    )


def _add_past_visits(client, n):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import AppointmentFactory, ServiceFactory

    service = ServiceFactory(buffer_after=timedelta(0))
    first = timezone.now() - timedelta(days=400)
    for i in range(n):
        AppointmentFactory(
            client=client,
            service=service,
            status="completed",
            starts_at=first + timedelta(days=i, minutes=client.appointments.count()),
        )


def test_chart_lists_recent_appointments_including_cancellations(client_as, flagged_client):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import AppointmentFactory

    AppointmentFactory(
        client=flagged_client,
        starts_at=timezone.now() - timedelta(days=3),
        status="cancelled",
        late_cancel=True,
    )
    page = client_as("front_desk").get(reverse("clients:detail", args=[flagged_client.pk]))
    assert b"Recent appointments" in page.content
    assert b"Cancelled (late)" in page.content


@pytest.mark.parametrize("persona_name", ["therapist", "front_desk", "owner"])
def test_chart_queries_do_not_grow_with_history(client_as, flagged_client, persona_name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    http = client_as(persona_name)
    url = reverse("clients:detail", args=[flagged_client.pk])
    counts = []
    for batch in (2, 20):
        _add_scores(flagged_client, batch)
        _add_past_visits(flagged_client, batch)
        services.intake_link_create(client=flagged_client)
        http.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert http.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 15


def test_trend_reports_meaningful_change(client_as, flagged_client):
    from decimal import Decimal

    from django.utils import timezone

    from clients.models import Score

    for days, value in ((20, 8), (1, 5)):
        Score.objects.create(
            client=flagged_client,
            instrument="pain_nrs",
            value=value,
            recorded_at=timezone.now() - timezone.timedelta(days=days),
            context="pre_session",
        )
    trend = next(t for t in selectors.score_trends(flagged_client) if t["instrument"] == "pain_nrs")
    assert trend["change"].change == Decimal(-3)
    assert trend["change"].meaningful
    assert trend["improved"] is True
    html = client_as("therapist").get(reverse("clients:detail", args=[flagged_client.pk]))
    assert "-3.0 (-37.5%)" in html.content.decode()
    assert "meaningful improvement" in html.content.decode()


def test_falling_sleep_quality_is_a_worsening(flagged_client):
    from django.utils import timezone

    from clients.models import Score

    for days, value in ((20, 7), (1, 4)):
        Score.objects.create(
            client=flagged_client,
            instrument="sleep",
            value=value,
            recorded_at=timezone.now() - timezone.timedelta(days=days),
            context="pre_session",
        )
    trend = next(t for t in selectors.score_trends(flagged_client) if t["instrument"] == "sleep")
    assert trend["change"].meaningful
    assert trend["improved"] is False


def test_therapist_edits_contact_details_but_cannot_reassign(client_as, therapist, other_therapist):
    priya = ClientFactory(first_name="Priya", last_name="Shah", primary_therapist=therapist)
    http = client_as("therapist")
    url = reverse("clients:edit", args=[priya.pk])
    assert "primary_therapist" not in http.get(url).content.decode()
    http.post(url, {**NEW_CLIENT, "phone": "202-555-0177", "primary_therapist": other_therapist.pk})
    priya.refresh_from_db()
    assert str(priya.phone) == "+12025550177"
    assert priya.primary_therapist == therapist


def test_front_desk_who_is_also_a_therapist_sees_clinical_details_of_own_clients_only(
    therapist, other_therapist
):
    from django.contrib.auth.models import Group

    from practice.security.access import Role

    user = therapist.user
    user.groups.add(Group.objects.get(name=Role.FRONT_DESK))
    own = ClientFactory(primary_therapist=therapist)
    someone_elses = ClientFactory(primary_therapist=other_therapist)
    assert selectors.can_see_clinical(user, selectors.get_client_for_user(user, own.pk))
    assert not selectors.can_see_clinical(
        user, selectors.get_client_for_user(user, someone_elses.pk)
    )


def test_the_chart_lists_a_london_appointment_at_london_time(client_as, location, therapist):
    """The main location is in New York; the chart reads each appointment on
    the clock of its own location, naming the zone."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from tests.factories import LocationFactory

    london = LocationFactory(name="Relief Soho", time_zone="Europe/London")
    tz = ZoneInfo(london.time_zone)
    client = ClientFactory(primary_therapist=therapist)
    day = datetime.now(tz).date() + timedelta(days=2)
    upcoming = datetime.combine(day, time(10), tzinfo=tz)
    past = datetime.combine(day - timedelta(days=30), time(16, 30), tzinfo=tz)
    for starts_at in (upcoming, past):
        AppointmentFactory(client=client, therapist=therapist, location=london, starts_at=starts_at)
    html = client_as("front_desk").get(reverse("clients:detail", args=[client.pk])).content
    html = html.decode()
    assert f"{upcoming:%a} {day.day} {upcoming:%b %Y}, 10:00 {upcoming.tzname()}" in html
    assert f", 16:30 {past.tzname()}" in html
