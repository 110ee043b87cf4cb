from tests.access_rows.personas import EVERYONE, OWNER, STAFF

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
    "two_factor_setup": STAFF,
    "two_factor_verify": STAFF,
    "owner:staff": OWNER,
    "owner:staff_toggle": OWNER,
    "owner:staff_invite": OWNER,
    "owner:audit_log": OWNER,
    "owner:audit_reveal": OWNER,
}


def sample_kwargs(world):
    return {
        "uidb64": "MQ",
        "token": "set-password",
        "user_id": world.therapist.user_id,
        # Reveal is POST-only: a GET is refused before the entry is looked up.
        "entry_id": 1,
    }
