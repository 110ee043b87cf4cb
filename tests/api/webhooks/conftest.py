import pytest
import redis
from django.conf import settings

from api.webhooks import services
from tests.api.webhooks.receiver import Receiver
from tests.practice.reminders.test_worker import Workers


@pytest.fixture(autouse=True)
def _local_receivers_allowed(settings):
    # The receivers of these tests listen on 127.0.0.1 over plain http.
    settings.RELIEF_WEBHOOK_ALLOW_LOCAL_HTTP = True


@pytest.fixture
def receiver():
    started = []

    def start(**options) -> Receiver:
        server = Receiver(**options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def endpoint_for(owner):
    def make(url, events=("appointment.booked",), **fields):
        return services.endpoint_create(url=url, event_names=list(events), by=owner, **fields)

    return make


@pytest.fixture
def broker():
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.flushdb()  # this run's own broker database
    yield client
    client.flushdb()


@pytest.fixture
def workers(transactional_db, broker, tmp_path):
    """Real worker processes that may deliver to this machine's test receivers."""
    pool = Workers(tmp_path, settings.CELERY_BROKER_URL)
    start = pool.start
    pool.start = lambda **extra: start(RELIEF_WEBHOOK_ALLOW_LOCAL_HTTP="1", **extra)
    yield pool
    pool.stop_all()
