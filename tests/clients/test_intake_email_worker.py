"""The intake email goes through a real Celery worker process and Redis."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from clients import services
from tests.factories import ClientFactory

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(tmp_path):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "practice.settings",
        "DJANGO_SECRET_KEY": "worker-test-secret-key-not-for-production",
        # The worker must read and write the test database this test commits to.
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
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


def test_worker_sends_the_intake_email_after_commit(worker, owner):
    maria = ClientFactory(first_name="Maria", email="maria@mail.test")
    link = services.intake_link_request(
        client=maria, created_by=owner, base_url="https://clinic.example/"
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        link.refresh_from_db()
        if link.sent_at is not None:
            break
        time.sleep(0.5)
    output = worker.read_text()
    assert link.sent_at is not None, output[-3000:]
    assert link.sent_to == "maria@mail.test"
    assert "https://clinic.example/clients/intake/" in output
    assert not link.token_hash.startswith("pending-")
