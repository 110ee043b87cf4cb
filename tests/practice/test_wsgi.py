"""The WSGI application leaves what start-up loaded out of later garbage collections."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, sys, time
import practice.wsgi
frozen = gc.get_freeze_count()
started = time.process_time()
gc.collect()
print(frozen, len(gc.get_objects()), round((time.process_time() - started) * 1000, 1))
print("practice.views.booking" in sys.modules)
"""


def test_a_worker_freezes_django_and_the_views_once_loaded():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_DEBUG"] = "1"  # the development settings: no secret key needed
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    counts, views_loaded = result.stdout.split("\n")[:2]
    frozen, tracked, _ = counts.split()
    # The URLconf (every view module) is loaded before the freeze, not on a first request.
    assert views_loaded == "True"
    # Nearly everything is frozen; a full collection walks only what is left.
    assert int(frozen) > 50_000
    assert int(tracked) < int(frozen) / 10
