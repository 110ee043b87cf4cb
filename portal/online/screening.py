"""The screening questions a new client answers when booking online (pure).

Any "yes" turns the booking into a request that staff approve, whatever the
location's rule: a therapist should see it before the client arrives. The
questions ask about safety, not diagnosis, and the answers go to the booking
record only (the full intake form follows by its link).
"""

QUESTIONS = (
    (
        "recent_injury",
        "Have you had surgery, a fracture or a serious injury in the last 6 weeks?",
    ),
    (
        "clot_or_heart",
        "Have you ever had a blood clot, or do you have a heart condition?",
    ),
    (
        "pregnant",
        "Are you pregnant?",
    ),
)

KEYS = tuple(key for key, _ in QUESTIONS)


def needs_review(answers: dict) -> bool:
    return any(answers.get(key) for key in KEYS)


def flagged_labels(answers: dict) -> list[str]:
    return [label for key, label in QUESTIONS if answers.get(key)]
