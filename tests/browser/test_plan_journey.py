"""Dana plans a client's treatment and reads the goal chart."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Score
from sessions.models import Goal, TreatmentPlan
from tests import factories
from tests.browser.test_note_journey import _sign_in
from tests.sessions.conftest import ensure_techniques

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dana_adds_a_second_goal_by_keyboard(page, therapist, location):
    ensure_techniques()
    client = factories.ClientFactory(primary_therapist=therapist)
    _sign_in(page, therapist.user.username)
    page.goto(f"/notes/client/{client.pk}/plans/new/")
    page.get_by_label("Problem summary").fill("Chronic neck pain")
    page.get_by_label("Planned sessions").fill("6")
    page.get_by_label("Description").fill("Neck pain mild")
    page.get_by_label("Target (0-10)").fill("3")
    page.get_by_role("button", name="Add another goal").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Goal 2")).to_be_visible()
    expect(page.get_by_label("Problem summary")).to_have_value("Chronic neck pain")
    page.locator('[name="goals-1-description"]').fill("Sleep better")
    page.locator('[name="goals-1-target_value"]').fill("7")
    page.get_by_role("button", name="Create plan").click()
    expect(page.get_by_text("Treatment plan created.")).to_be_visible()
    plan = TreatmentPlan.objects.get()
    assert [g.description for g in plan.goals.all()] == ["Neck pain mild", "Sleep better"]


def test_a_goal_with_one_score_still_draws_its_target_line(page, therapist, location):
    client = factories.ClientFactory(primary_therapist=therapist)
    plan = TreatmentPlan.objects.create(
        client=client,
        therapist=therapist,
        problem_summary="Chronic low back pain",
        frequency="Weekly",
        planned_sessions=6,
        start_date=timezone.localdate() - timedelta(days=7),
    )
    Goal.objects.create(plan=plan, description="Pain mild", target_value=Decimal(3))
    Score.objects.create(
        client=client,
        instrument=Score.Instrument.PAIN_NRS,
        context=Score.Context.INTAKE,
        value=Decimal(7),
        recorded_at=timezone.now() - timedelta(days=2),
    )
    _sign_in(page, therapist.user.username)
    page.goto(f"/notes/plan/{plan.pk}/")
    canvas = page.locator('canvas[data-chart="goal"]')
    expect(canvas).to_be_visible()
    # The target dataset's drawn points: a line needs two, from one side to the other.
    xs = canvas.evaluate(
        "c => window.Chart.getChart(c).getDatasetMeta(1).data.filter(p => !p.skip).map(p => p.x)"
    )
    width = canvas.evaluate("c => c.clientWidth")
    assert len(xs) >= 2 and max(xs) - min(xs) > width / 2, xs
