"""Treatment plans and the client treatment history."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from clients.models import Score
from sessions import selectors, services
from sessions.models import Goal, SessionNote, Technique, TreatmentPlan
from tests.sessions.conftest import make_appointment, queries_for, sign

pytestmark = pytest.mark.django_db


def _plan_post(**overrides):
    data = {
        "problem_summary": "Chronic neck pain from desk work",
        "frequency": "Weekly for 6 weeks",
        "planned_sessions": "6",
        "planned_techniques": [Technique.objects.get(slug="trigger-point-therapy").pk],
        "focus_regions": ["neck_back", "upper_back_left"],
        "start_date": date.today().isoformat(),
        "review_date": (date.today() + timedelta(days=42)).isoformat(),
        "goals-TOTAL_FORMS": "1",
        "goals-INITIAL_FORMS": "0",
        "goals-MIN_NUM_FORMS": "0",
        "goals-MAX_NUM_FORMS": "10",
        "goals-0-description": "Neck pain down to mild",
        "goals-0-instrument": "pain_nrs",
        "goals-0-direction": "at_most",
        "goals-0-target_value": "3",
        "goals-0-target_date": "",
    }
    data.update(overrides)
    return data


def test_therapist_creates_a_plan_with_a_goal(client_as, dana_client, therapist):
    response = client_as("therapist").post(
        reverse("sessions:plan_create", args=[dana_client.pk]), _plan_post()
    )
    plan = TreatmentPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sessions:plan_detail", args=[plan.pk])
    assert plan.therapist == therapist and plan.status == "active"
    assert plan.focus_regions == ["neck_back", "upper_back_left"]
    assert [t.slug for t in plan.planned_techniques.all()] == ["trigger-point-therapy"]
    goal = plan.goals.get()
    assert (goal.instrument, goal.direction, goal.target_value) == ("pain_nrs", "at_most", 3)


def test_plan_form_errors_keep_the_input(client_as, dana_client):
    response = client_as("therapist").post(
        reverse("sessions:plan_create", args=[dana_client.pk]),
        _plan_post(
            planned_sessions="0",
            review_date="2000-01-01",
            **{"goals-0-target_value": "11"},
        ),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Chronic neck pain from desk work" in body
    assert "review date cannot be before the start date" in body
    assert "less than or equal to 10" in body
    assert not TreatmentPlan.objects.exists()


def test_add_another_goal_keeps_the_input_and_adds_a_blank_row(client_as, dana_client):
    http = client_as("therapist")
    url = reverse("sessions:plan_create", args=[dana_client.pk])
    response = http.post(url, _plan_post(problem_summary="", add_goal="1"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Neck pain down to mild" in body
    assert "Goal 2" in body and 'name="goals-1-description"' in body
    assert 'id="new-goal"' in body
    # Not a submit yet: nothing saved and no errors for what is still to fill in.
    assert "This field is required" not in body
    assert not TreatmentPlan.objects.exists()
    # Both goals are saved when the plan is created.
    created = http.post(
        url,
        _plan_post(
            **{
                "goals-TOTAL_FORMS": "2",
                "goals-1-description": "Sleep through the night",
                "goals-1-instrument": "sleep",
                "goals-1-direction": "at_least",
                "goals-1-target_value": "7",
            }
        ),
    )
    assert created.status_code == 302
    plan = TreatmentPlan.objects.get()
    assert [g.description for g in plan.goals.all()] == [
        "Neck pain down to mild",
        "Sleep through the night",
    ]


def test_add_another_goal_stops_at_ten(client_as, dana_client):
    url = reverse("sessions:plan_create", args=[dana_client.pk])
    body = (
        client_as("therapist")
        .post(url, _plan_post(add_goal="1", **{"goals-TOTAL_FORMS": "10"}))
        .content.decode()
    )
    assert 'name="goals-9-description"' in body and 'name="goals-10-description"' not in body
    assert ">Add another goal</button>" not in body
    assert "at most 10 goals" in body


def test_owner_creates_a_plan_for_a_chosen_therapist(client_as, dana_client, other_therapist):
    client_as("owner").post(
        reverse("sessions:plan_create", args=[dana_client.pk]),
        _plan_post(therapist=other_therapist.pk),
    )
    assert TreatmentPlan.objects.get().therapist == other_therapist


def test_therapist_cannot_create_a_plan_for_a_colleague(dana_client, therapist, other_therapist):
    with pytest.raises(PermissionDenied):
        services.plan_create(
            client=dana_client,
            therapist=other_therapist,
            user=therapist.user,
            fields={
                "problem_summary": "x",
                "frequency": "weekly",
                "planned_sessions": 4,
                "start_date": date.today(),
            },
        )


def test_editing_a_plan_updates_goals(client_as, plan):
    goal = Goal.objects.create(plan=plan, description="Pain mild", target_value=Decimal(3))
    data = _plan_post(
        **{
            "goals-TOTAL_FORMS": "2",
            "goals-INITIAL_FORMS": "1",
            "goals-0-id": goal.pk,
            "goals-0-plan": plan.pk,
            "goals-0-description": "Pain mild or none",
            "goals-0-achieved": "on",
            "goals-1-description": "Sleep better",
            "goals-1-instrument": "sleep",
            "goals-1-direction": "at_least",
            "goals-1-target_value": "7",
        }
    )
    response = client_as("therapist").post(reverse("sessions:plan_edit", args=[plan.pk]), data)
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.description == "Pain mild or none" and goal.achieved_at is not None
    assert plan.goals.filter(instrument="sleep", direction="at_least").exists()


def test_other_therapist_cannot_edit_or_close_a_plan_even_when_linked(
    client_as, plan, other_therapist, dana_client
):
    make_appointment(other_therapist, dana_client, days_ago=3, status="completed")
    http = client_as("other_therapist")
    assert http.get(reverse("sessions:plan_detail", args=[plan.pk])).status_code == 200
    edit = http.post(reverse("sessions:plan_edit", args=[plan.pk]), _plan_post())
    assert edit.status_code == 302
    close = http.post(
        reverse("sessions:plan_close", args=[plan.pk]), {"status": "completed", "reason": "x"}
    )
    assert close.status_code == 404
    plan.refresh_from_db()
    assert plan.status == "active" and plan.problem_summary.startswith("Chronic low back")


def test_closing_a_plan_needs_a_reason(client_as, plan):
    http = client_as("therapist")
    url = reverse("sessions:plan_close", args=[plan.pk])
    response = http.post(url, {"status": "discontinued", "reason": ""}, follow=True)
    assert "give a reason" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == "active"
    http.post(url, {"status": "discontinued", "reason": "Client moved away"})
    plan.refresh_from_db()
    assert plan.status == "discontinued" and plan.close_reason == "Client moved away"
    assert plan.closed_at is not None
    with pytest.raises(ValidationError):
        services.plan_close(plan=plan, user=plan.therapist.user, status="completed", reason="x")


def test_plan_page_shows_sessions_done_goal_scores_and_review_due(
    client_as, plan, therapist, dana_client
):
    goal = Goal.objects.create(plan=plan, description="Pain mild", target_value=Decimal(3))
    plan.planned_sessions = 2
    plan.save()
    for days_ago, before in ((10, 7), (3, 4)):
        appointment = make_appointment(therapist, dana_client, days_ago=days_ago)
        note = services.note_open_for_appointment(appointment=appointment, user=therapist.user)
        assert note.plan == plan
        services.note_save_draft(
            note=note, user=therapist.user, version=note.version, fields={}, pain_before=before
        )
        sign(SessionNote.objects.get(pk=note.pk), therapist.user)
    progress = selectors.plan_progress(plan=plan)
    assert progress["sessions_done"] == 2
    assert progress["review_due"] and "all planned sessions are used" in progress["review_reasons"]
    chart = progress["goals"][0]["chart"]
    assert chart["values"] == [7.0, 4.0] and chart["target"] == 3.0
    page = client_as("therapist").get(reverse("sessions:plan_detail", args=[plan.pk]))
    body = page.content.decode()
    assert "Review due" in body
    assert f'id="goal-data-{goal.pk}"' in body
    assert "chart-4.5.1.umd.min.js" in body
    assert "<script>" not in body  # data only through json_script, never inline code


def test_review_due_when_the_review_date_passes(plan):
    plan.review_date = date.today() - timedelta(days=1)
    plan.save()
    assert selectors.plan_progress(plan=plan)["review_due"]
    plan.review_date = date.today() + timedelta(days=10)
    plan.save()
    assert not selectors.plan_progress(plan=plan)["review_due"]


def _chart_notes(therapist, client, count, technique, first_day=1):
    for n in range(count):
        appointment = make_appointment(therapist, client, days_ago=first_day + n)
        note = services.note_open_for_appointment(appointment=appointment, user=therapist.user)
        services.technique_add(
            note=note,
            user=therapist.user,
            technique=technique,
            minutes=10 + n,
            body_regions=["low_back"],
        )
        note = services.note_save_draft(
            note=note,
            user=therapist.user,
            version=note.version,
            fields={"subjective": f"Visit {n}"},
            pain_before=6,
            pain_after=3,
        )
        note = sign(note, therapist.user)
        services.note_amend(note=note, user=therapist.user, text=f"Amendment {n}")


def test_client_history_shows_notes_amendments_pain_and_technique_use(
    client_as, therapist, dana_client, technique
):
    _chart_notes(therapist, dana_client, 2, technique)
    history = selectors.client_history(client=dana_client)
    assert history["pain_chart"]["before"] == [6.0, 6.0]
    assert history["pain_chart"]["after"] == [3.0, 3.0]
    usage = history["technique_usage"][0]
    assert (usage["name"], usage["count"], usage["minutes"]) == ("Myofascial release", 2, 21)
    assert usage["regions"] == ["Low back"]
    body = (
        client_as("therapist")
        .get(reverse("sessions:client_history", args=[dana_client.pk]))
        .content.decode()
    )
    assert "Amendment 1" in body and "Visit 0" in body
    assert 'id="pain-data"' in body


def test_history_and_plan_query_counts_do_not_grow_with_data(
    client_as, therapist, dana_client, technique, plan, django_assert_max_num_queries
):
    Goal.objects.create(plan=plan, description="Pain mild", target_value=Decimal(3))
    Goal.objects.create(plan=plan, description="Sleep", instrument="sleep", target_value=7)
    http = client_as("therapist")
    history_url = reverse("sessions:client_history", args=[dana_client.pk])
    plan_url = reverse("sessions:plan_detail", args=[plan.pk])
    _chart_notes(therapist, dana_client, 1, technique)
    small = (queries_for(http, history_url), queries_for(http, plan_url))
    _chart_notes(therapist, dana_client, 10, Technique.objects.get(slug="cupping"), first_day=2)
    for n in range(10):
        Score.objects.create(
            client=dana_client,
            instrument="sleep",
            value=n % 10,
            context="check_in",
            recorded_at=timezone.now() - timedelta(days=n),
        )
    assert (queries_for(http, history_url), queries_for(http, plan_url)) == small
    with django_assert_max_num_queries(15):
        http.get(history_url)
    with django_assert_max_num_queries(15):
        http.get(plan_url)


def test_front_desk_never_sees_plans(client_as, plan):
    http = client_as("front_desk")
    assert http.get(reverse("sessions:plan_detail", args=[plan.pk])).status_code == 404
    assert http.get(reverse("sessions:plan_create", args=[plan.client_id])).status_code == 404


def test_owner_adds_and_retires_techniques(client_as):
    http = client_as("owner")
    http.post(reverse("sessions:techniques"), {"name": "Gua sha", "category": "specialty"})
    technique = Technique.objects.get(slug="gua-sha")
    http.post(reverse("sessions:techniques"), {"toggle": technique.pk})
    technique.refresh_from_db()
    assert not technique.active
    duplicate = http.post(
        reverse("sessions:techniques"), {"name": "Gua sha", "category": "specialty"}
    )
    assert "already exists" in duplicate.content.decode()
    assert client_as("therapist").get(reverse("sessions:techniques")).status_code == 404


def test_owner_reassigns_a_plan(client_as, plan, other_therapist):
    client_as("owner").post(
        reverse("sessions:plan_reassign", args=[plan.pk]), {"therapist": other_therapist.pk}
    )
    plan.refresh_from_db()
    assert plan.therapist == other_therapist


def test_history_of_someone_elses_client_is_404_for_sam(client_as, dana_client):
    url = reverse("sessions:client_history", args=[dana_client.pk])
    assert client_as("other_therapist").get(url).status_code == 404
    assert client_as("owner").get(url).status_code == 200


def test_goal_direction_checks(plan):
    at_most = Goal(plan=plan, description="x", target_value=Decimal(3))
    at_least = Goal(plan=plan, description="y", direction="at_least", target_value=Decimal(7))
    assert at_most.is_met_by(Decimal(3)) and not at_most.is_met_by(Decimal("3.5"))
    assert at_least.is_met_by(Decimal(7)) and not at_least.is_met_by(Decimal(6))


def test_reading_the_history_logs_one_access_per_note(client_as, therapist, dana_client, technique):
    from auditlog.models import LogEntry

    _chart_notes(therapist, dana_client, 2, technique)
    client_as("therapist").get(reverse("sessions:client_history", args=[dana_client.pk]))
    reads = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    assert sorted(reads.values_list("object_pk", flat=True)) == sorted(
        str(pk) for pk in SessionNote.objects.values_list("pk", flat=True)
    )
    assert {entry.actor for entry in reads} == {therapist.user}


def test_history_flags_a_note_changed_in_the_database_after_signing(
    client_as, draft, therapist, technique
):
    services.technique_add(note=draft, user=therapist.user, technique=technique, minutes=15)
    services.note_save_draft(
        note=draft, user=therapist.user, version=draft.version, fields={}, pain_before=6
    )
    note = sign(SessionNote.objects.get(pk=draft.pk), therapist.user)
    url = reverse("sessions:client_history", args=[note.client_id])
    http = client_as("therapist")
    assert "Changed after signing" not in http.get(url).content.decode()
    # A direct database edit, as save() would refuse it.
    Score.objects.filter(source_id=str(note.pk)).update(value=2)
    page = http.get(url).content.decode()
    assert "Changed after signing" in page
