"""Reports: the owner and therapists (their own figures); front desk only the recall list."""

THERAPISTS_AND_OWNER = frozenset({"owner", "therapist", "other_therapist"})

ACCESS = {
    "reports:index": THERAPISTS_AND_OWNER,
    "reports:revenue": THERAPISTS_AND_OWNER,
    "reports:utilisation": THERAPISTS_AND_OWNER,
    "reports:attendance": THERAPISTS_AND_OWNER,
    "reports:outcomes": THERAPISTS_AND_OWNER,
    # POST only: a GET from those allowed is 405.
    "reports:outcomes_recompute": THERAPISTS_AND_OWNER,
    "reports:clients": THERAPISTS_AND_OWNER,
    "reports:recall": THERAPISTS_AND_OWNER | {"front_desk"},
    # POST-only quick actions: a GET from the desk or the owner is 405; therapists 404.
    "reports:recall_contact": frozenset({"owner", "front_desk"}),
    "reports:recall_contact_undo": frozenset({"owner", "front_desk"}),
}


def sample_kwargs(world):
    return {}
