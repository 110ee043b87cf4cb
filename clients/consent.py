"""Consent text, versioned: an intake stores the version its client agreed to.

Never edit a published version's text; add a new version and point
CONSENT_VERSION at it.
"""

CONSENT_TEXTS = {
    "2026-1": (
        "I have answered these questions truthfully and will tell my therapist about "
        "any change in my health. I understand that massage therapy is not a "
        "substitute for medical diagnosis or treatment, that my therapist may decline "
        "or adapt treatment for my safety, and that I may ask to stop or change "
        "pressure at any time. I agree to be treated, and I agree that the practice "
        "keeps these answers and my session records to plan and document my care."
    ),
}
CONSENT_VERSION = "2026-1"


def consent_text(version: str = CONSENT_VERSION) -> str:
    return CONSENT_TEXTS[version]
