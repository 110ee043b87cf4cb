"""Rows of the URL x role access matrix, one module per area.

Each module defines ACCESS (url name -> personas that get in) and
sample_kwargs(world) -> {url parameter name: value} for its URLs. `world` is
the `access_world` fixture: sample records owned by Dana (the `therapist`
persona), so "their clients" rules can be checked for Dana and Sam.
"""

from . import (
    api,
    billing,
    clients,
    core,
    exports,
    imports,
    portal,
    reminders,
    reports,
    scheduling,
    sessions,
    waitlist,
    webhooks,
)

MODULES = [
    core,
    scheduling,
    reminders,
    clients,
    sessions,
    billing,
    portal,
    reports,
    imports,
    waitlist,
    webhooks,
    api,
    exports,
]


def all_access():
    merged = {}
    for module in MODULES:
        overlap = merged.keys() & module.ACCESS.keys()
        assert not overlap, f"rows listed twice: {overlap}"
        merged.update(module.ACCESS)
    return merged


def all_sample_kwargs(world):
    merged = {}
    for module in MODULES:
        merged.update(module.sample_kwargs(world))
    return merged
