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


# Flags a therapist may treat through only once a clinician has seen the
# client; the clearance (who, when, what was seen) is a RedFlagClearance row.
NEEDS_CLEARANCE = frozenset(
    {
        "blood_clots",
        "recent_surgery",
        "recent_injury",
        "cancer_treatment",
        "high_blood_pressure",
        "numbness_weakness",
        "bladder_bowel",
    }
)

# Session notes say "moderate" where the intake says "medium"; one scale for both.
PRESSURE_RANK = {"light": 0, "medium": 1, "moderate": 1, "firm": 2, "deep": 3}
PRESSURE_WORDS = {0: "light", 1: "moderate", 2: "firm", 3: "deep"}
LEG_REGIONS = frozenset(
    {
        "hip_front_left",
        "hip_front_right",
        "thigh_front_left",
        "thigh_front_right",
        "knee_left",
        "knee_right",
        "shin_left",
        "shin_right",
        "foot_left",
        "foot_right",
        "hamstring_left",
        "hamstring_right",
        "calf_left",
        "calf_right",
    }
)
# code -> (the firmest pressure the flag allows, the regions it covers; None: anywhere).
PRESSURE_LIMITS = {
    "blood_thinners": ("moderate", None),
    "osteoporosis": ("moderate", None),
    "blood_clots": ("moderate", LEG_REGIONS),
}


def flag_codes(health_conditions) -> list[str]:
    """The red-flag codes among ticked conditions, in checklist order."""
    ticked = set(health_conditions or ())
    return [code for code, _, _ in HEALTH_CONDITIONS if code in ticked and code in RED_FLAG_REASONS]


def contradictions(
    *,
    flags,
    pressure="",
    regions=(),
    preference="",
    areas_to_avoid=(),
    overall=False,
    labels: Mapping | None = None,
) -> list[str]:
    """Why a pressure (and, for a technique, its regions) goes against the red
    flags and the intake's preferences; empty when nothing does.

    `flags` are the codes still in force (a cleared flag is left out by the
    caller). `overall`: the note's overall pressure, which names no region, so
    a flag limited to some regions does not apply to it. `labels` names the
    body regions (this module imports no other).
    """
    problems = []
    rank = PRESSURE_RANK.get(pressure)
    touched = set(regions or ())
    if rank is not None:
        for code in flags:
            limit, covered = PRESSURE_LIMITS.get(code, (None, None))
            if limit is None or rank <= PRESSURE_RANK[limit]:
                continue
            if covered is not None and (overall or not touched & covered):
                continue
            problems.append(f"{pressure.capitalize()} pressure: {RED_FLAG_REASONS[code]}")
        wanted = PRESSURE_RANK.get(preference)
        if wanted is not None and rank > wanted:
            problems.append(
                f"{pressure.capitalize()} pressure is firmer than the client asked for "
                f"({PRESSURE_WORDS[wanted]})."
            )
    avoided = touched & set(areas_to_avoid or ())
    if avoided:
        names = [(labels or {}).get(code, code) for code in sorted(avoided)]
        problems.append("The client asked to avoid: " + ", ".join(names) + ".")
    return problems
