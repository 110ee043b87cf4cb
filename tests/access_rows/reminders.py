from practice.models import Reminder
from practice.reminders import feeds, links
from tests.access_rows.personas import EVERYONE

ACCESS = {
    # Client links: anyone holding a valid token (the token is the credential).
    "reminders:confirm": EVERYONE,
    "reminders:cancel": EVERYONE,
    "reminders:done": EVERYONE,
    # Resending changes Dana's appointment: owner, front desk and Dana.
    "reminders:resend": frozenset({"owner", "front_desk", "therapist"}),
    # Every therapist manages their own feed; the feed itself is token-authenticated.
    "reminders:calendar_feed": frozenset({"therapist", "other_therapist"}),
    "reminders:feed": EVERYONE,
    "reminders:sent_messages": frozenset({"owner"}),
}


def sample_kwargs(world):
    reminder = Reminder.objects.create(
        appointment=world.appointment,
        channel=Reminder.Channel.EMAIL,
        kind=Reminder.Kind.BEFORE_48H,
        due_at=world.appointment.starts_at,
        status=Reminder.Status.SENT,
    )
    return {
        "confirm_token": links.make_token(world.appointment, "confirm"),
        "cancel_token": links.make_token(world.appointment, "cancel"),
        "outcome": "confirmed",
        "pk": reminder.pk,
        "feed_token": feeds.calendar_feed_regenerate(therapist=world.therapist),
    }
