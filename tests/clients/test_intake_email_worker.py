"""The intake email goes through a real Celery worker process and Redis."""

import time

import pytest

from clients import services
from tests.celery_worker import running_worker
from tests.factories import ClientFactory

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path):
    env = {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    with running_worker(tmp_path / "worker.log", **env) as log:
        yield log


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
