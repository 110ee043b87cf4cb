"""The one body-region vocabulary shared by intake, session notes and plans.

Codes are stable (stored in the database): never rename or remove one, and
add new ones at the end of their view. Labels are for people. Regions are
grouped by the view of the body map they are drawn on.
"""

FRONT = [
    ("head_face", "Head and face"),
    ("neck_front", "Front of neck"),
    ("chest", "Chest"),
    ("abdomen", "Abdomen"),
    ("shoulder_front_left", "Left shoulder (front)"),
    ("shoulder_front_right", "Right shoulder (front)"),
    ("upper_arm_left", "Left upper arm"),
    ("upper_arm_right", "Right upper arm"),
    ("forearm_hand_left", "Left forearm and hand"),
    ("forearm_hand_right", "Right forearm and hand"),
    ("hip_front_left", "Left hip and groin"),
    ("hip_front_right", "Right hip and groin"),
    ("thigh_front_left", "Left thigh (front)"),
    ("thigh_front_right", "Right thigh (front)"),
    ("knee_left", "Left knee"),
    ("knee_right", "Right knee"),
    ("shin_left", "Left shin"),
    ("shin_right", "Right shin"),
    ("foot_left", "Left foot"),
    ("foot_right", "Right foot"),
    # Added after the codes above were in use: "forearm_hand_*" keeps its label
    # because older records meant the hand too.
    ("jaw_left", "Left jaw (TMJ)"),
    ("jaw_right", "Right jaw (TMJ)"),
    ("hand_left", "Left hand"),
    ("hand_right", "Right hand"),
]

BACK = [
    ("head_back", "Back of head"),
    ("neck_back", "Back of neck"),
    ("upper_back_left", "Left upper back and shoulder blade"),
    ("upper_back_right", "Right upper back and shoulder blade"),
    ("mid_back", "Mid back"),
    ("low_back", "Low back"),
    ("glute_left", "Left buttock"),
    ("glute_right", "Right buttock"),
    ("hamstring_left", "Left back of thigh"),
    ("hamstring_right", "Right back of thigh"),
    ("calf_left", "Left calf"),
    ("calf_right", "Right calf"),
]

BODY_REGION_CHOICES = [("Front", FRONT), ("Back", BACK)]
BODY_REGIONS = dict(FRONT + BACK)


def region_label(code: str) -> str:
    return BODY_REGIONS.get(code, code)
