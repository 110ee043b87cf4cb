from decimal import Decimal

import pytest

from clients import scoring


@pytest.mark.parametrize("value", [0, 10, "7", 5.0])
def test_nrs_accepts_whole_numbers_0_to_10(value):
    assert scoring.validate_nrs(value) == int(float(value))


@pytest.mark.parametrize("value", [-1, 11, 4.5, "x", None, True])
def test_nrs_rejects_anything_else(value):
    with pytest.raises(ValueError, match="0 to 10"):
        scoring.validate_nrs(value)


def test_peg_is_the_mean_of_its_three_items_to_one_decimal():
    assert scoring.peg_score(pain_average=5, enjoyment=6, activity=4) == Decimal("5.0")
    # 7/3 = 2.333... -> 2.3; 8/3 = 2.666... -> 2.7
    assert scoring.peg_score(pain_average=1, enjoyment=3, activity=3) == Decimal("2.3")
    assert scoring.peg_score(pain_average=2, enjoyment=3, activity=3) == Decimal("2.7")


def test_peg_boundaries():
    assert scoring.peg_score(pain_average=0, enjoyment=0, activity=0) == Decimal("0.0")
    assert scoring.peg_score(pain_average=10, enjoyment=10, activity=10) == Decimal("10.0")


@pytest.mark.parametrize("missing", ["pain_average", "enjoyment", "activity"])
def test_peg_gives_no_score_from_a_partial_answer(missing):
    items = {"pain_average": 5, "enjoyment": 5, "activity": 5, missing: None}
    assert scoring.peg_score(**items) is None


def test_peg_refuses_an_out_of_range_item():
    with pytest.raises(ValueError):
        scoring.peg_score(pain_average=5, enjoyment=11, activity=5)


def test_intake_scores_make_one_row_per_measure_with_item_answers():
    rows = scoring.intake_scores(
        {
            "pain_now": 4,
            "pain_average": 5,
            "pain_worst": 8,
            "peg_enjoyment": 6,
            "peg_activity": 4,
            "stress_rating": 7,
            "sleep_quality": 3,
            "sleep_hours": Decimal("6.5"),
        }
    )
    by_instrument = {row.instrument: row for row in rows}
    assert set(by_instrument) == {
        "pain_nrs",
        "pain_average",
        "pain_worst",
        "peg",
        "stress",
        "sleep",
    }
    assert by_instrument["peg"].value == Decimal("5.0")
    assert by_instrument["peg"].item_answers == {"pain_average": 5, "enjoyment": 6, "activity": 4}
    assert by_instrument["sleep"].item_answers == {"usual_hours": "6.5"}


def test_intake_scores_skip_peg_when_an_interference_item_is_blank():
    rows = scoring.intake_scores(
        {"pain_now": 4, "pain_average": 5, "pain_worst": 8, "peg_enjoyment": None}
    )
    assert "peg" not in {row.instrument for row in rows}


def test_check_in_scores():
    rows = scoring.check_in_scores({"pain_now": 3, "stress_rating": 2, "sleep_quality": 8})
    assert [(r.instrument, r.value) for r in rows] == [
        ("pain_nrs", 3),
        ("stress", 2),
        ("sleep", 8),
    ]


@pytest.mark.parametrize(
    ("baseline", "current", "change", "percent", "meaningful"),
    [
        # Two points is meaningful whatever the baseline.
        (3, 1, "-2", "-66.7", True),
        (2, 4, "2", "100.0", True),
        # Just under two points on a low baseline: the 30% rule does not apply.
        (3, "1.1", "-1.9", "-63.3", False),
        (3, 2, "-1", "-33.3", False),
        # Baseline 4 or more: 30% counts even below two points.
        (5, "3.5", "-1.5", "-30.0", True),
        (4, "2.8", "-1.2", "-30.0", True),
        (5, "3.6", "-1.4", "-28.0", False),
        (4, 3, "-1", "-25.0", False),
        # No change; and a zero baseline has no percentage.
        (6, 6, "0", "0.0", False),
        (0, 1, "1", None, False),
        (0, 2, "2", None, True),
    ],
)
def test_meaningful_change_boundaries(baseline, current, change, percent, meaningful):
    result = scoring.meaningful_change(baseline, current)
    assert result.change == Decimal(change)
    assert result.percent == (Decimal(percent) if percent is not None else None)
    assert result.meaningful is meaningful
