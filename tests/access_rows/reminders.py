ACCESS: dict = {}


def sample_kwargs(world):
    return {}
