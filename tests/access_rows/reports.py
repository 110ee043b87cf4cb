"""Reports: the owner and therapists (their own figures); front desk gets 404."""

THERAPISTS_AND_OWNER = frozenset({"owner", "therapist", "other_therapist"})

ACCESS = {
    "reports:index": THERAPISTS_AND_OWNER,
    "reports:revenue": THERAPISTS_AND_OWNER,
    "reports:utilisation": THERAPISTS_AND_OWNER,
    "reports:attendance": THERAPISTS_AND_OWNER,
    "reports:outcomes": THERAPISTS_AND_OWNER,
}


def sample_kwargs(world):
    return {}
