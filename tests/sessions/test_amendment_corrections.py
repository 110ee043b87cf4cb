"""Amendments that correct structured data: pain scores and the technique table.

The signed rows never change (the signature still verifies); corrections are
shown beside them, and trends and reports read the corrected pain.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients import selectors as client_selectors
from clients.models import Score
from sessions import selectors, services
from sessions.models import AmendedTechnique, SignedNoteError, Technique, TechniqueApplication

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(draft, therapist, technique):
    services.technique_add(
        note=draft,
        user=therapist.user,
        technique=technique,
        minutes=20,
        body_regions=["upper_back_right"],
        side="right",
    )
    note = services.note_save_draft(
        note=draft,
        user=therapist.user,
        version=draft.version,
        fields={"assessment": "Less restricted."},
        pain_before=7,
        pain_after=5,
    )
    return services.note_sign(note=note, user=therapist.user)


def effective_pain(note):
    return {c: s.value for c, s in selectors.note_pain_in_effect(note).items()}


def test_a_pain_correction_supersedes_the_signed_score_and_keeps_it(signed, therapist):
    original = selectors.note_pain_scores(signed)["post_session"]
    amendment = services.note_amend(
        note=signed, user=therapist.user, text="Pain after was 3, misheard.", pain_after=3
    )
    assert amendment.pain_after == Decimal("3") and amendment.pain_before is None
    original.refresh_from_db()
    assert original.value == 5  # as signed
    assert original.superseded_by.value == 3
    assert original.superseded_by.source_id == str(amendment.pk)
    assert effective_pain(signed) == {"pre_session": 7, "post_session": 3}
    assert selectors.note_verify(signed)  # the signature still holds

    # A second correction supersedes the first; every value stays on record.
    services.note_amend(note=signed, user=therapist.user, text="Actually 2.", pain_after=2)
    assert effective_pain(signed)["post_session"] == 2
    values = Score.objects.filter(context="post_session").order_by("pk")
    assert [s.value for s in values] == [5, 3, 2]
    assert [s.superseded_by_id is None for s in values] == [False, False, True]


def test_a_value_equal_to_the_one_in_effect_corrects_nothing(signed, therapist):
    amendment = services.note_amend(
        note=signed, user=therapist.user, text="Checked: pain before was 7.", pain_before=7
    )
    assert amendment.pain_before is None
    assert Score.objects.count() == 2


def test_a_correction_needs_its_reason_and_a_valid_score(signed, therapist):
    with pytest.raises(ValidationError):
        services.note_amend(note=signed, user=therapist.user, text=" ", pain_after=3)
    with pytest.raises(ValidationError):
        services.note_amend(note=signed, user=therapist.user, text="typo", pain_after=11)
    assert not signed.amendments.exists()
    assert Score.objects.count() == 2


def test_the_trend_uses_the_corrected_pain(signed, therapist):
    services.note_amend(note=signed, user=therapist.user, text="Was 4 before.", pain_before=4)
    trends = client_selectors.score_trends(signed.client)
    pain = next(t for t in trends if t["instrument"] == "pain_nrs")
    assert pain["latest"].value == Decimal("4")
    assert [p.value for p in pain["points"]] == [Decimal("4")]


def test_corrected_techniques_are_shown_beside_the_signed_ones(signed, therapist, technique):
    trigger = Technique.objects.get(slug="trigger-point-therapy")
    services.note_amend(
        note=signed,
        user=therapist.user,
        text="It was the left upper back, and trigger points too.",
        techniques=[
            {
                "technique": technique,
                "body_regions": ["upper_back_left"],
                "side": "left",
                "minutes": 20,
                "pressure": "",
                "notes": "",
            },
            {
                "technique": trigger,
                "body_regions": ["upper_back_left"],
                "side": "left",
                "minutes": 10,
                "pressure": "",
                "notes": "",
            },
        ],
    )
    assert TechniqueApplication.objects.get().body_regions == ["upper_back_right"]
    detail = selectors.note_detail(signed)
    corrected = detail["techniques_corrected_by"]
    assert [r.technique.slug for r in corrected.technique_rows] == [
        "myofascial-release",
        "trigger-point-therapy",
    ]
    assert [r.technique.slug for r in detail["techniques"]] == ["myofascial-release"]
    assert selectors.note_verify(signed)
    row = AmendedTechnique.objects.first()
    row.minutes = 30
    with pytest.raises(SignedNoteError):
        row.save()


def test_a_bad_technique_row_writes_nothing(signed, therapist, technique):
    with pytest.raises(ValidationError):
        services.note_amend(
            note=signed,
            user=therapist.user,
            text="fix",
            pain_after=2,
            techniques=[{"technique": technique, "minutes": 500}],
        )
    assert not signed.amendments.exists()
    assert Score.objects.count() == 2


def test_the_correction_page_prefills_corrects_and_shows_both(client, signed, therapist, technique):
    client.force_login(therapist.user)
    url = reverse("sessions:note_correct", args=[signed.pk])
    page = client.get(url).content.decode()
    assert 'name="pain_after" value="5"' in page
    assert 'name="row-0-minutes" value="20"' in page
    assert 'name="row-TOTAL_FORMS" value="2"' in page

    # A bad row keeps what was typed and writes nothing.
    form = {
        "text": "Left, not right; pain after 3.",
        "pain_before": "7",
        "pain_after": "3",
        "correct_techniques": "on",
        "row-TOTAL_FORMS": "2",
        "row-INITIAL_FORMS": "0",
        "row-0-technique": str(technique.pk),
        "row-0-minutes": "999",
        "row-0-side": "left",
        "row-0-body_regions": ["upper_back_left"],
    }
    response = client.post(url, form)
    assert response.status_code == 400
    assert "Left, not right; pain after 3." in response.content.decode()
    assert not signed.amendments.exists()

    form["row-0-minutes"] = "20"
    response = client.post(url, form, follow=True)
    page = response.content.decode()
    assert "Correction added beside the signed note." in page
    assert "data-techniques-corrected" in page and "data-techniques-signed" in page
    assert "corrected to 3 / 10" in page
    corrected_part = page.split("data-techniques-corrected", 1)[1].split("data-techniques-signed")[
        0
    ]
    assert "Left upper back and shoulder blade" in corrected_part
    amendment = signed.amendments.get()
    assert amendment.corrects_techniques
    assert [r.side for r in amendment.techniques.all()] == ["left"]


def test_only_the_author_may_correct(client, signed, other_therapist, owner):
    url = reverse("sessions:note_correct", args=[signed.pk])
    for user in (other_therapist.user, owner):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"text": "x", "pain_after": "1"}).status_code == 404
    assert not signed.amendments.exists()


def test_the_client_history_shows_corrected_values(client, signed, therapist):
    services.note_amend(note=signed, user=therapist.user, text="Was 2 after.", pain_after=2)
    client.force_login(therapist.user)
    page = client.get(reverse("sessions:client_history", args=[signed.client_id])).content.decode()
    assert "Pain 7 → 2" in page
    assert "corrected by amendment" in page


def test_reports_count_the_corrected_pain(signed, therapist):
    from datetime import timedelta

    from django.utils import timezone

    from reports import selectors as reports

    services.note_amend(note=signed, user=therapist.user, text="After was 2.", pain_after=2)
    start = timezone.now() - timedelta(days=30)
    end = timezone.now() + timedelta(days=1)
    pairs = reports.session_pain_pairs(start=start, end=end)
    # The signed note said 7 -> 5; the correction makes it 7 -> 2.
    assert [(p["before"], p["after"]) for p in pairs] == [(Decimal("7"), Decimal("2"))]
