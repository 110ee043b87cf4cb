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


def test_firm_pressure_goes_against_blood_thinners_light_does_not():
    from clients.red_flags import contradictions

    assert contradictions(flags=["blood_thinners"], pressure="firm", overall=True) == [
        "Firm pressure: Takes blood thinners: bruising risk, lighter pressure."
    ]
    assert contradictions(flags=["blood_thinners"], pressure="light", overall=True) == []


def test_a_region_limited_flag_applies_only_to_techniques_on_those_regions():
    from clients.red_flags import contradictions

    assert contradictions(flags=["blood_clots"], pressure="deep", overall=True) == []
    assert contradictions(flags=["blood_clots"], pressure="deep", regions=["low_back"]) == []
    assert contradictions(flags=["blood_clots"], pressure="deep", regions=["calf_left"])


def test_pressure_firmer_than_asked_and_areas_to_avoid():
    from clients.red_flags import contradictions

    assert contradictions(flags=[], pressure="firm", preference="medium") == [
        "Firm pressure is firmer than the client asked for (moderate)."
    ]
    assert contradictions(flags=[], pressure="firm", preference="unsure") == []
    assert contradictions(
        flags=[], regions=["abdomen"], areas_to_avoid=["abdomen"], labels={"abdomen": "Abdomen"}
    ) == ["The client asked to avoid: Abdomen."]
