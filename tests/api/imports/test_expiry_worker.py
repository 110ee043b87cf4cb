"""The hourly expiry runs in a real Celery worker (Redis broker, PostgreSQL)."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery import current_app
from django.conf import settings
from django.db import connection
from django.utils import timezone

from api.imports import services
from api.imports.models import ImportBatch

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
TASK = "api.imports.tasks.import_batches_expire"


@pytest.fixture
def worker(tmp_path):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "practice.settings",
        "DJANGO_SECRET_KEY": "worker-test-secret-key-not-for-production",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "practice", "worker", "--pool=solo", "-l", "info"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield tmp_path / "worker.log"
    process.terminate()
    process.wait(timeout=20)
    log.close()


def test_beat_runs_the_expiry_hourly():
    entry = settings.CELERY_BEAT_SCHEDULE["imports-expire"]
    assert entry["task"] == TASK
    assert entry["schedule"] == 3600.0


def test_the_worker_expires_a_day_old_upload_and_deletes_its_file(worker, owner):
    old = services.import_batch_upload(
        raw=b"First Name,Last Name\nAna,Ruiz\n", file_name="old.csv", kind="clients", by=owner
    )
    fresh = services.import_batch_upload(
        raw=b"First Name,Last Name\nBen,Cho\n", file_name="new.csv", kind="clients", by=owner
    )
    ImportBatch.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(hours=1))

    current_app.send_task(TASK)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        old.refresh_from_db()
        if old.status == ImportBatch.Status.EXPIRED:
            break
        time.sleep(0.5)
    assert old.status == ImportBatch.Status.EXPIRED, worker.read_text()[-3000:]
    assert old.content == ""
    fresh.refresh_from_db()
    assert fresh.status == ImportBatch.Status.UPLOADED and "Ben,Cho" in fresh.content
