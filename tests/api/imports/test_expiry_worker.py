"""The hourly expiry runs in a real Celery worker (Redis broker, PostgreSQL)."""

import time
from datetime import timedelta

import pytest
from celery import current_app
from django.conf import settings
from django.utils import timezone

from api.imports import services
from api.imports.models import ImportBatch
from tests.celery_worker import running_worker

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TASK = "api.imports.tasks.import_batches_expire"


@pytest.fixture
def worker(tmp_path):
    with running_worker(tmp_path / "worker.log") as log:
        yield log


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
