"""The export end to end: a real Celery worker on real Redis builds it, the owner downloads it."""

import io
import json
import zipfile

import pytest
import redis
from django.conf import settings
from django.urls import reverse

from api.exports.models import PracticeExport
from tests.api.exports.conftest import build_practice
from tests.practice.reminders.test_worker import Workers, wait_until

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker(transactional_db, tmp_path):
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.flushdb()  # nothing left over from an earlier run
    pool = Workers(tmp_path, settings.CELERY_BROKER_URL)
    pool.start(RELIEF_EXPORT_DIR=settings.RELIEF_EXPORT_DIR)
    yield pool
    pool.stop_all()
    broker.flushdb()


def test_a_worker_builds_the_export_the_owner_starts_and_downloads(worker, client):
    # The demo practice's own owner: the test personas would take the demo's usernames.
    practice = build_practice()
    http = client
    http.force_login(practice.owner)
    http.post(reverse("api:exports:start"), {"confirm": "on", "pdfs": "on"})
    export = PracticeExport.objects.get()

    def built():
        export.refresh_from_db()
        return export.status in ("ready", "failed")

    wait_until(built, "the worker built the export", timeout=180)
    assert export.status == "ready", export.error
    assert export.started_at and export.finished_at and export.size_bytes > 0
    progress = http.get(reverse("api:exports:status", args=[export.pk]))
    assert b"Download" in progress.content

    response = http.get(reverse("api:exports:download", args=[export.pk]))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as zf:
        assert zf.testzip() is None
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["rows"]["notes/pdf"] == len(practice.signed)
        assert manifest["rows"] == export.counts
        assert (
            zf.read(f"notes/{practice.signed[0].client_id}/{practice.signed[0].pk}.pdf")[:4]
            == b"%PDF"
        )
