"""The client chart, read in few statements and written without per-row templates.

On PostgreSQL its appointments, score trends and account are one written-out
statement each; the ORM queries they replace stay as the reference (and as
SQLite's path) and must give the same rows. The appointment rows written in
Python must be the markup of their one-row reference templates.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from billing import selectors as billing_selectors
from billing import services as billing
from billing.models import PackageProduct
from clients import selectors
from clients.models import CheckIn, Score
from clients.templatetags.chart_rows import chart_past_rows, chart_upcoming_rows
from practice.models import Appointment
from tests.clients.factories import IntakeFactory
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    LocationFactory,
    ServiceFactory,
    TherapistFactory,
)

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the written-out statements are PostgreSQL's"
)


@pytest.fixture
def chart(therapist, front_desk):
    """Maria: a year and more of scores, visits of every kind, a bill and a package."""
    now = timezone.now()
    maria = ClientFactory(first_name="Maria", primary_therapist=therapist)
    IntakeFactory(client=maria, areas_to_avoid=["neck"], submitted_at=now - timedelta(days=500))
    service = ServiceFactory(name="Deep tissue & <stretch>")
    location = LocationFactory()
    jo = TherapistFactory(display_name="Jo O'Neil")

    def visit(days, status, who=therapist, **extra):
        return AppointmentFactory(
            client=maria,
            therapist=who,
            service=service,
            location=location,
            starts_at=now + timedelta(days=days),
            status=status,
            **extra,
        )

    S = Appointment.Status
    for days, status, who, extra in [
        (-400, S.COMPLETED, therapist, {}),
        (-30, S.CANCELLED, jo, {"late_cancel": True}),
        (-20, S.NO_SHOW, therapist, {}),
        (-10, S.COMPLETED, jo, {}),
        (-3, S.CANCELLED, therapist, {}),
        (3, S.BOOKED, therapist, {}),
        (9, S.CONFIRMED, jo, {}),
        (12, S.CANCELLED, therapist, {}),
        (20, S.REQUESTED, therapist, {}),
    ]:
        visit(days, status, who, **extra)
    here = visit(1 / 24, S.CHECKED_IN)
    CheckIn.objects.create(
        appointment=here, client=maria, submitted_at=now - timedelta(minutes=5), how="staff"
    )

    def score(instrument, days_ago, value, context=Score.Context.PRE_SESSION, **extra):
        return Score.objects.create(
            client=maria,
            instrument=instrument,
            value=value,
            context=context,
            recorded_at=now - timedelta(days=days_ago),
            **extra,
        )

    for days_ago, value in [(700, 8), (300, 7), (200, "6.5"), (60, 5), (59, 6), (10, 3)]:
        score(Score.Instrument.PAIN_NRS, days_ago, value)
    score(Score.Instrument.PAIN_NRS, 10, 1, Score.Context.POST_SESSION)
    later = score(Score.Instrument.PAIN_NRS, 5, 4)
    score(Score.Instrument.PAIN_NRS, 5, 9, superseded_by=later)
    score(Score.Instrument.STRESS, 800, 6, Score.Context.INTAKE)
    for days_ago, value in [(90, 4), (30, 6)]:
        score(Score.Instrument.SLEEP, days_ago, value)

    issued = billing.invoice_issue(
        invoice=billing.invoice_open_for_appointment(appointment=here, by=front_desk),
        by=front_desk,
    )
    paid = billing.payment_record(invoice=issued, method="cash", amount="60.00", by=front_desk)
    billing.refund_record(payment=paid, amount="10.00", reason="Short session", by=front_desk)
    ten = PackageProduct.objects.create(
        name="10 x <60> min", service=service, sessions=10, price=Decimal("850.00"), valid_days=365
    )
    five = PackageProduct.objects.create(
        name="5 x 30 min", service=service, sessions=5, price=Decimal("300.00"), valid_days=90
    )
    billing.package_sell(client=maria, product=ten, by=front_desk, now=now - timedelta(days=40))
    billing.package_sell(client=maria, product=five, by=front_desk)
    return maria


@postgres_only
def test_the_written_out_statements_give_the_orms_rows(chart):
    now = timezone.now()
    upcoming, past = selectors.chart_appointments(chart, now=now, sql=True)
    assert (upcoming, past) == selectors.chart_appointments(chart, now=now, sql=False)
    assert [a.status for a in upcoming] == ["checked_in", "booked", "confirmed"]
    assert len(past) == 5 and past[0].status == "cancelled" and past[-1].status == "completed"
    assert upcoming[0].checked_in_at is not None and upcoming[1].checked_in_at is None

    trends = selectors.score_trends(chart, now=now, sql=True)
    assert trends == selectors.score_trends(chart, now=now, sql=False)
    assert [t["instrument"] for t in trends] == ["pain_nrs", "stress", "sleep"]
    assert [(p.recorded_at.weekday(), p.recorded_at.hour) for p in trends[0]["points"]] == [
        (0, 0)
    ] * 5

    account = billing_selectors.client_account(chart, sql=True)
    assert account == billing_selectors.client_account(chart, sql=False)
    assert [p.name for p in account.packages] == ["5 x 30 min", "10 x <60> min"]


def test_the_orm_path_gives_the_figures(chart):
    """The reference path (SQLite's), for the figures the page shows."""
    account = billing_selectors.client_account(chart, sql=False)
    assert account.balance == billing_selectors.client_balance(chart)
    assert [(p.credits, p.sessions) for p in account.packages] == [(5, 5), (10, 10)]
    (pain, stress, sleep) = selectors.score_trends(chart, sql=False)
    assert (pain["latest"].value, pain["change"].change) == (Decimal("4.0"), -4)
    assert stress["change"] is None and len(stress["points"]) == 1
    assert sleep["improved"] is True


@pytest.mark.parametrize("name_zones", [False, True])
def test_the_appointment_rows_are_the_reference_markup(chart, name_zones):
    request = RequestFactory().get(reverse("clients:detail", args=[chart.pk]))
    base = {"request": request, "csrf_token": "t<o>ken", "name_zones": name_zones}
    upcoming, past = selectors.chart_appointments(chart, now=timezone.now())
    for rows, tag, reference in [
        (upcoming, chart_upcoming_rows, "clients/_chart_upcoming.html"),
        (past, chart_past_rows, "clients/_chart_past.html"),
    ]:
        expected = "".join(
            f"\n      {render_to_string(reference, {**base, 'appt': appt}).strip()}\n      "
            for appt in rows
        )
        assert tag(base, rows) == expected


def test_the_owner_sees_the_whole_chart_in_few_queries(
    chart, client_as, django_assert_max_num_queries
):
    http = client_as("owner")
    url = reverse("clients:detail", args=[chart.pk])
    http.get(url)
    written_out = connection.vendor == "postgresql"
    with django_assert_max_num_queries(10 if written_out else 13):
        html = http.get(url).content.decode()
    assert html.count("Check in on this tablet</button>") == 2
    assert html.count('<span class="badge text-bg-success">Checked in ') == 1
    assert "Deep tissue &amp; &lt;stretch&gt; with Jo O&#x27;Neil</a>" in html
    assert "No-show</span>" in html and "Cancelled (late)</span>" in html
    assert html.count("status-") == 5
    assert "10 x &lt;60&gt; min: 10 of 10 left" in html and "5 x 30 min: 5 of 5 left" in html
    assert "due</strong>" in html
    assert 'id="score-chart-data"' in html
    assert "meaningful improvement" in html and "one score so far" in html


def test_only_their_own_clients_chart_opens_for_a_therapist(chart, client_as):
    url = reverse("clients:detail", args=[chart.pk])
    assert client_as("therapist").get(url).status_code == 200
    assert client_as("other_therapist").get(url).status_code == 404
    front_desk = client_as("front_desk").get(url).content.decode()
    assert "Scores over time" not in front_desk and "Next appointments" in front_desk
