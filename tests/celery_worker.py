"""A real Celery worker process on the test database and the test run's broker."""

import contextlib
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def running_worker(log_path: Path, **env):
    """Run a solo-pool worker for the block, its output in `log_path`; `env` adds settings."""
    db = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "practice.settings",
        "DJANGO_SECRET_KEY": "worker-test-secret-key-not-for-production",
        # The worker must read and write the test database the test commits to.
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        **env,
    }
    with log_path.open("w") as log:
        command = ["celery", "-A", "practice", "worker", "--pool=solo", "-l", "info"]
        process = subprocess.Popen(
            [sys.executable, "-m", *command],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield log_path
        finally:
            process.terminate()
            process.wait(timeout=20)
