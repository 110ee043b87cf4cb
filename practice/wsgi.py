import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")

application = get_wsgi_application()


def _freeze_loaded_objects() -> None:
    """Leave what start-up loaded out of every later garbage collection.

    A full collection walks every tracked object: some 140,000 once Django,
    the URLconf and the views are loaded, 75 ms of CPU each time, paid by
    whichever request happened to trigger it (the booking POST's and the
    picker's slowest requests). Frozen, those objects are never walked again;
    a full collection then takes about a millisecond. Modules and URL
    patterns live as long as the process, so nothing collectable is kept.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 -- imports every view module now, not on a first request
    gc.collect()
    gc.freeze()


_freeze_loaded_objects()
