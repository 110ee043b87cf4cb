from tests.access_rows.personas import STAFF

ACCESS = {
    "practice:home": STAFF,
}


def sample_kwargs(world):
    return {}
