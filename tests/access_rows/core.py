from tests.access_rows.personas import EVERYONE, STAFF

ACCESS = {
    "login": EVERYONE,
    "logout": EVERYONE,
    "password_reset": EVERYONE,
    "password_reset_done": EVERYONE,
    "password_reset_confirm": EVERYONE,
    "password_reset_complete": EVERYONE,
    "healthz": EVERYONE,
    "password_change": STAFF,
    "password_change_done": STAFF,
}


def sample_kwargs(world):
    return {"uidb64": "MQ", "token": "set-password"}
