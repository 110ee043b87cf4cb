"""The waitlist (staff and portal) and two-way SMS.

Sample records: an entry and an open offer for the access world's client
(Dana's), so the portal rows reach the client's own records.
"""

from datetime import timedelta

from django.utils import timezone

from clients.tokens import new_token
from practice.models import SmsInbound, WaitlistEntry, WaitlistOffer
from tests.access_rows.personas import CLIENT, EVERYONE, OWNER_AND_FRONT_DESK, STAFF

ACCESS = {
    # Every staff role reads the waitlist; the bookers change it.
    "waitlist:list": STAFF,
    "waitlist:add": OWNER_AND_FRONT_DESK,
    "waitlist:withdraw": OWNER_AND_FRONT_DESK,
    "waitlist:book_offer": OWNER_AND_FRONT_DESK,
    # The client's own waitlist in the portal.
    "portal:waitlist": CLIENT,
    "portal:waitlist_add": CLIENT,
    "portal:waitlist_remove": CLIENT,
    "portal:waitlist_claim": CLIENT,
    # Offer links: the token is the credential.
    "portal:waitlist_offer": EVERYONE,
    # The provider's webhook is public (POST-only, signed); the inbox is the desk's.
    "reminders:sms_inbound": EVERYONE,
    "reminders:sms_inbox": OWNER_AND_FRONT_DESK,
    "reminders:sms_handled": OWNER_AND_FRONT_DESK,
}


def sample_kwargs(world):
    today = timezone.localdate()
    entry = WaitlistEntry.objects.create(
        client=world.client,
        service=world.service,
        date_from=today,
        date_to=today + timedelta(days=7),
    )
    raw, digest = new_token()
    now = timezone.now()
    offer = WaitlistOffer.objects.create(
        entry=entry,
        therapist=world.therapist,
        service=world.service,
        location=world.location,
        starts_at=world.appointment.starts_at + timedelta(days=1),
        token_hash=digest,
        created_at=now,
        expires_at=now + timedelta(hours=1),
    )
    text = SmsInbound.objects.create(
        provider_id="SM" + "0" * 32,
        from_number=str(world.client.phone),
        body="Can I bring my own oil?",
        received_at=now,
        client=world.client,
        action=SmsInbound.Action.INBOX,
    )
    return {
        "waitlist_entry_id": entry.pk,
        "offer_id": offer.pk,
        "offer_token": raw,
        "text_id": text.pk,
    }
