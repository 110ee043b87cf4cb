from clients.red_flags import HEALTH_CONDITIONS, RED_FLAG_REASONS, compute_red_flags

REQUIRED_RED_FLAGS = {
    "blood_clots",
    "blood_thinners",
    "recent_surgery",
    "recent_injury",
    "pregnant",
    "cancer_treatment",
    "fever_infection",
    "high_blood_pressure",
    "osteoporosis",
    "skin_infection",
    "numbness_weakness",
}


def test_no_conditions_no_red_flags():
    assert compute_red_flags({}) == []
    assert compute_red_flags({"health_conditions": []}) == []


def test_conditions_that_are_not_red_flags_raise_none():
    assert compute_red_flags({"health_conditions": ["migraines", "arthritis"]}) == []


def test_every_contraindication_of_the_checklist_is_a_red_flag():
    assert set(RED_FLAG_REASONS) >= REQUIRED_RED_FLAGS


def test_each_red_flag_gives_its_reason():
    for code in RED_FLAG_REASONS:
        assert compute_red_flags({"health_conditions": [code]}) == [RED_FLAG_REASONS[code]]


def test_reasons_follow_checklist_order_and_ignore_unknown_codes():
    reasons = compute_red_flags(
        {"health_conditions": ["osteoporosis", "made_up", "blood_clots", "diabetes"]}
    )
    assert reasons == [RED_FLAG_REASONS["blood_clots"], RED_FLAG_REASONS["osteoporosis"]]


def test_checklist_codes_are_unique():
    codes = [code for code, _, _ in HEALTH_CONDITIONS]
    assert len(codes) == len(set(codes))
