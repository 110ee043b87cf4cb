"""The client portal: sign-in pages for everyone, the rest for the signed-in client.

Staff sessions are not clients: they are sent to the portal sign-in like
anyone else. Sample records are Dana's client's (`world.client`, the "client"
persona); `invoice_id` is the issued invoice billing's rows create for
`world.appointment`, which is that client's.
"""

from datetime import timedelta

from django.utils import timezone

from portal import services
from portal.models import PortalCode
from tests.access_rows.personas import CLIENT, EVERYONE, OWNER_AND_FRONT_DESK

ACCESS = {
    "portal:home": EVERYONE,
    "portal:code": EVERYONE,
    "portal:link": EVERYONE,
    # POST-only: a GET answers 405 to anyone.
    "portal:sign_out": EVERYONE,
    "portal:cancel": CLIENT,
    "portal:details": CLIENT,
    "portal:receipt": CLIENT,
    "portal:reschedule": CLIENT,
    # Online booking (/online/): public steps; the request list is for those who answer.
    "online:start": EVERYONE,
    "online:times": EVERYONE,
    "online:details": EVERYONE,
    "online:code": EVERYONE,
    "online:done": EVERYONE,
    "online:requests": OWNER_AND_FRONT_DESK,
    # POST-only: a GET answers 405 to those who may, 404 to the rest.
    "online:request_decide": OWNER_AND_FRONT_DESK,
}


def sample_kwargs(world):
    from clients.tokens import new_token

    raw, digest = new_token()
    now = timezone.now()
    PortalCode.objects.create(
        client=world.client,
        channel=PortalCode.Channel.EMAIL,
        sent_to=world.client.email,
        code_hash="0" * 64,
        link_hash=digest,
        created_at=now,
        expires_at=now + timedelta(minutes=15),
    )
    assert services.link_is_live(raw_token=raw)
    return {"link_token": raw, "appointment_id": world.appointment.pk}
