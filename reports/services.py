"""Writes of the reports app: marking clients on the recall list as contacted."""

from django.db import transaction

from .models import RecallContact


def recall_contact_mark(*, client, user, note: str = "") -> RecallContact:
    """Record that `user` contacted (or tried to contact) `client` now; audited."""
    contact = RecallContact(client=client, contacted_by=user, note=note.strip())
    contact.full_clean()
    contact.save()
    return contact


def recall_contact_undo(*, client) -> RecallContact | None:
    """Take back the client's latest contact mark (a mistaken click); audited as a deletion.

    Returns the mark removed, or None when the client had none.
    """
    with transaction.atomic():
        latest = (
            RecallContact.objects.select_for_update()
            .filter(client=client)
            .order_by("-contacted_at", "-pk")
            .first()
        )
        if latest is not None:
            latest.delete()
    return latest
