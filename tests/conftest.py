"""Shared fixtures: personas, service guards, fast hashing."""

import os

import pytest
from django.db import connection

from practice.security.access import Role
from tests import factories

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _unavailable(reason):
    """Skip locally; in CI a missing service is a failure, never a silent skip."""
    if IN_CI:
        pytest.fail(f"{reason} (required in CI)", pytrace=False)
    pytest.skip(reason)


def redis_available() -> bool:
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis://"):
        return False
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _unavailable("needs PostgreSQL: set DATABASE_URL=postgres://...")
    if item.get_closest_marker("redis") and not redis_available():
        _unavailable("needs Redis: set CELERY_BROKER_URL=redis://...")


@pytest.fixture(autouse=True)
def _fast_tests(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.RELIEF_SMS_BACKEND = "practice.reminders.sms.LocmemBackend"
    settings.RELIEF_SMS_REMINDERS_ENABLED = True
    settings.AXES_ENABLED = True
    # Counters (link guesses, time-zone cache) must not leak between tests
    # through a shared Redis.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # LocMemCache keeps its data per process, so empty it for each test too.
    from django.core.cache import cache

    cache.clear()
    # Tests render templates without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    # Practice exports are written under the test's own directory, never var/.
    settings.RELIEF_EXPORT_DIR = str(tmp_path / "exports")


@pytest.fixture
def location(db):
    return factories.LocationFactory(name="Relief Downtown")


@pytest.fixture
def owner(db):
    return factories.UserFactory(username="olivia", role=Role.OWNER)


@pytest.fixture
def therapist(db):
    """Dana, a therapist."""
    return factories.TherapistFactory(
        user=factories.UserFactory(
            username="dana", first_name="Dana", last_name="Reyes", role=Role.THERAPIST
        ),
        display_name="Dana Reyes",
    )


@pytest.fixture
def other_therapist(db):
    """Sam, another therapist of the same practice."""
    return factories.TherapistFactory(
        user=factories.UserFactory(
            username="sam", first_name="Sam", last_name="Okafor", role=Role.THERAPIST
        ),
        display_name="Sam Okafor",
    )


@pytest.fixture
def front_desk(db):
    return factories.UserFactory(username="frankie", role=Role.FRONT_DESK)


@pytest.fixture
def no_role_user(db):
    """A signed-in account that holds no role: sees nothing."""
    return factories.UserFactory(username="norole")


@pytest.fixture
def persona(request, owner, therapist, other_therapist, front_desk, no_role_user):
    """Resolve a persona name to its user (None for anonymous)."""

    def resolve(name):
        return {
            "anonymous": None,
            "owner": owner,
            "therapist": therapist.user,
            "other_therapist": other_therapist.user,
            "front_desk": front_desk,
            "no_role": no_role_user,
            # A portal client is no Django user (client_as signs it in).
            "client": None,
        }[name]

    return resolve


@pytest.fixture
def sessions_as_deployed(settings):
    """Sessions read from the cache, as in production (a shared cache and
    `cached_db`, as the bench runs), so a request's query count is its own
    whatever cache this test run has. Use before signing in."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


def portal_sign_in(http, client_record):
    """Sign `http` (a Django test client) in to the portal as `client_record`:
    what the portal's sign-in leaves in the session, its client's id."""
    import time

    from portal import session as portal_session

    session = http.session
    session[portal_session.PORTAL_CLIENT_KEY] = str(client_record.pk)
    session[portal_session.PORTAL_SEEN_KEY] = int(time.time())
    session.save()
    return http


@pytest.fixture
def portal_code_tasks(monkeypatch):
    """The sign-in code task as a worker runs it, in this process: each task
    the portal queues is recorded as (name, args) and run eagerly (Celery's
    `apply`), so its email lands in this process's outbox."""
    from importlib import import_module

    from portal import services as portal_services

    queued = []

    class Broker:
        def send_task(self, name, args=(), **options):
            queued.append((name, list(args)))
            module, task = name.rsplit(".", 1)
            return getattr(import_module(module), task).apply(args=args, **options)

    monkeypatch.setattr(portal_services, "current_app", Broker())
    return queued


@pytest.fixture
def client_as(request, client, persona):
    """A Django test client signed in as the named persona.

    "client" is the access world's client signed in to the portal (clients
    are not Django users, so it is a portal session, not a login).
    """

    def sign_in(name):
        client.logout()
        if name == "client":
            return portal_sign_in(client, request.getfixturevalue("access_world").client)
        user = persona(name)
        if user is not None:
            client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def access_world(therapist, location):
    """Sample records for the access matrix, owned by Dana (`therapist`).

    Dana is the primary therapist of `client` and has `appointment` with them;
    Sam (`other_therapist`) has no link to either.
    """
    from types import SimpleNamespace

    service = factories.ServiceFactory()
    therapist.services.add(service)
    client = factories.ClientFactory(primary_therapist=therapist)
    appointment = factories.AppointmentFactory(
        client=client, therapist=therapist, service=service, location=location
    )
    return SimpleNamespace(
        location=location,
        therapist=therapist,
        service=service,
        client=client,
        appointment=appointment,
    )


@pytest.fixture
def works_every_day():
    """Give a therapist working hours all day, every day, at a location.

    For tests about something other than working hours that book through the
    services, which refuse times outside a therapist's hours.
    """
    from datetime import time

    def give(therapist, location):
        for weekday in range(7):
            factories.WorkingHoursFactory(
                therapist=therapist,
                location=location,
                weekday=weekday,
                start_time=time(0),
                end_time=time(23, 59, 59),
            )

    return give
