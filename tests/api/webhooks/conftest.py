import pytest

from api.webhooks import services
from tests.api.webhooks.receiver import Receiver


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
