"""Reads for the reminder staff views."""

from django.conf import settings

from practice.models import Reminder, SmsInbound
from practice.security.access import Role, roles_of


def reminders_manageable_by(user):
    """Reminders whose appointment the user may change.

    Owner and front desk: all. A therapist: their own appointments' (all, when
    RELIEF_THERAPISTS_MANAGE_ALL is on).
    """
    roles = roles_of(user)
    reminders = Reminder.objects.select_related("appointment")
    if roles & {Role.OWNER, Role.FRONT_DESK} or (
        Role.THERAPIST in roles and settings.RELIEF_THERAPISTS_MANAGE_ALL
    ):
        return reminders
    therapist = getattr(user, "therapist", None)
    if Role.THERAPIST in roles and therapist is not None:
        return reminders.filter(appointment__therapist=therapist)
    return reminders.none()


# Django's file backend separates the messages of one connection with this line.
_FILE_BACKEND_SEPARATOR = "-" * 79


def sent_messages_kept() -> bool:
    """Whether outgoing email is kept on disk for the "Sent messages" page.

    Only in development: the files hold live intake and reminder links.
    """
    return settings.DEBUG and settings.EMAIL_BACKEND == (
        "django.core.mail.backends.filebased.EmailBackend"
    )


def sent_messages(limit=50):
    """The newest messages the file email backend wrote, newest first."""
    import email
    from email.policy import default
    from pathlib import Path

    if not sent_messages_kept():
        return []
    folder = Path(settings.EMAIL_FILE_PATH)
    files = sorted(folder.glob("*.log"), key=lambda f: f.stat().st_mtime, reverse=True)
    found = []
    for path in files:
        chunks = path.read_text(errors="replace").split("\n" + _FILE_BACKEND_SEPARATOR + "\n")
        for chunk in reversed([c for c in chunks if c.strip()]):
            message = email.message_from_string(chunk, policy=default)
            body = message.get_body(preferencelist=("plain", "html"))
            found.append(
                {
                    "file": path.name,
                    "to": message.get("To", ""),
                    "subject": message.get("Subject", ""),
                    "date": message.get("Date", ""),
                    "text": body.get_content() if body is not None else "",
                }
            )
            if len(found) >= limit:
                return found
    return found


def sms_inbox(*, limit=100):
    """Texts for the front desk: those still to handle, then the latest handled ones."""
    base = SmsInbound.objects.filter(action=SmsInbound.Action.INBOX).select_related(
        "client", "handled_by"
    )
    open_messages = list(base.filter(handled_at__isnull=True).order_by("-received_at")[:limit])
    handled = list(base.filter(handled_at__isnull=False).order_by("-received_at")[:20])
    return open_messages, handled
