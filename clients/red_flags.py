"""Red flags: answers that mean a therapist must review before treating.

Pure functions over intake answers; the intake service stores the reasons on
the intake and sets Client.has_red_flags. The health-conditions checklist lives
here so a condition and its clinical reason never drift apart.
"""

from collections.abc import Mapping

# code, what the client ticks, the reason staff read (None: not a red flag).
HEALTH_CONDITIONS = [
    (
        "blood_clots",
        "Blood clots or deep vein thrombosis (DVT), now or in the past",
        "History of blood clots / DVT: no deep work on the legs until cleared.",
    ),
    (
        "blood_thinners",
        "I take blood thinners (anticoagulants)",
        "Takes blood thinners: bruising risk, lighter pressure.",
    ),
    (
        "recent_surgery",
        "Surgery in the last 3 months",
        "Recent surgery: ask where and when; avoid the area until healed.",
    ),
    (
        "recent_injury",
        "An injury, fall or accident in the last 6 weeks",
        "Recent injury, fall or accident: rule out fracture or acute inflammation.",
    ),
    ("pregnant", "I am pregnant", "Pregnant: prenatal positioning and precautions."),
    (
        "cancer_treatment",
        "I am having treatment for cancer",
        "Current cancer treatment: needs the oncology team's guidance.",
    ),
    (
        "fever_infection",
        "Fever, flu or an infection right now",
        "Fever or infection: reschedule rather than treat.",
    ),
    (
        "high_blood_pressure",
        "High blood pressure that is not under control",
        "Uncontrolled high blood pressure: check before treating.",
    ),
    (
        "osteoporosis",
        "Osteoporosis or fragile bones",
        "Osteoporosis: no deep pressure over bone.",
    ),
    (
        "skin_infection",
        "A skin infection, rash, open wound or recent burn",
        "Skin infection, rash or open wound: avoid the area; contagion risk.",
    ),
    (
        "numbness_weakness",
        "New numbness, tingling or weakness",
        "New numbness or weakness: possible nerve involvement, refer if unexplained.",
    ),
    (
        "bladder_bowel",
        "New trouble controlling bladder or bowels",
        "New bladder or bowel control problems: urgent medical referral, do not treat.",
    ),
    ("heart_condition", "A heart condition or a pacemaker", None),
    ("diabetes", "Diabetes", None),
    ("arthritis", "Arthritis", None),
    ("fibromyalgia", "Fibromyalgia", None),
    ("migraines", "Headaches or migraines", None),
    ("anxiety_depression", "Anxiety or depression", None),
    ("allergies", "Allergies to oils, lotions or latex", None),
]

HEALTH_CONDITION_CHOICES = [(code, label) for code, label, _ in HEALTH_CONDITIONS]
HEALTH_CONDITION_LABELS = dict(HEALTH_CONDITION_CHOICES)
RED_FLAG_REASONS = {code: reason for code, _, reason in HEALTH_CONDITIONS if reason}


def compute_red_flags(answers: Mapping) -> list[str]:
    """Reasons to review before treating, in checklist order; empty when none."""
    ticked = set(answers.get("health_conditions") or ())
    return [
        RED_FLAG_REASONS[code]
        for code, _, _ in HEALTH_CONDITIONS
        if code in ticked and code in RED_FLAG_REASONS
    ]
