"""The demo practice gives every report figures to show, and is written once."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from practice.models import Appointment

pytestmark = pytest.mark.django_db

REPORTS = ["revenue", "utilisation", "attendance", "clients", "outcomes"]


def test_every_report_has_figures_for_the_demo_practice(client_as):
    call_command("seed_demo", stdout=io.StringIO())
    count = Appointment.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Appointment.objects.count() == count
    today = timezone.localdate()
    year = {
        "period": "custom",
        "first": (today - timedelta(days=364)).isoformat(),
        "last": today.isoformat(),
    }
    http = client_as("owner")
    for name in REPORTS:
        tables = http.get(reverse(f"reports:{name}"), year).context["tables"]
        shown = [t.slug for t in tables if any(not row["hidden"] for row in t.rows)]
        assert tables[0].slug in shown, name
    outcomes = {t.slug: t for t in http.get(reverse("reports:outcomes"), year).context["tables"]}
    assert outcomes["peg-overall"].rows and not outcomes["peg-overall"].rows[0]["hidden"]
    assert http.get(reverse("reports:recall")).context["page"].paginator.count > 10
