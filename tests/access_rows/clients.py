from tests.access_rows.personas import DANA_AND_OWNER, EVERYONE, OWNER_AND_FRONT_DESK, STAFF

# Dana's client: owner and front desk see every client; Dana sees hers; Sam 404s.
DANA_OWNER_FRONT_DESK = frozenset({"owner", "therapist", "front_desk"})

ACCESS = {
    # Therapists get the list, scoped to their own clients.
    "clients:list": STAFF,
    "clients:create": OWNER_AND_FRONT_DESK,
    "clients:detail": DANA_OWNER_FRONT_DESK,
    "clients:edit": DANA_OWNER_FRONT_DESK,
    "clients:archive": OWNER_AND_FRONT_DESK,
    "clients:intake_link_send": DANA_OWNER_FRONT_DESK,
    "clients:intake_staff": DANA_OWNER_FRONT_DESK,
    # Intake answers: owner and the client's therapists only.
    "clients:intake_detail": DANA_AND_OWNER,
    "clients:checkin_staff": DANA_OWNER_FRONT_DESK,
    # POST-only: a GET from someone who may clear answers 405; front desk 404.
    "clients:red_flag_clear": DANA_AND_OWNER,
    # The locked tablet: any signed-in staff session (outside kiosk mode they
    # send staff on to Today).
    "clients:kiosk": STAFF,
    "clients:kiosk_thanks": STAFF,
    "clients:kiosk_unlock": STAFF,
    # Opened by clients from a link: no sign-in.
    "clients:intake_public": EVERYONE,
    "clients:intake_thanks": EVERYONE,
    "clients:checkin_public": EVERYONE,
    "clients:checkin_thanks": EVERYONE,
}


def sample_kwargs(world):
    from clients import services
    from tests.clients.factories import IntakeFactory

    _, intake_token = services.intake_link_create(client=world.client)
    checkin_url = services.checkin_link_create(appointment=world.appointment)
    return {
        "client_id": world.client.pk,
        "intake_id": IntakeFactory(client=world.client).pk,
        "appointment_id": world.appointment.pk,
        "intake_token": intake_token,
        "checkin_token": checkin_url.rstrip("/").rsplit("/", 1)[-1],
        "code": "blood_clots",
    }
