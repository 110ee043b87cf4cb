"""Sign-in codes: stored only as a hash, expire, single use, few tries, rate limits."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import caches
from django.utils import timezone

from portal import ratelimit, services
from portal.models import PortalCode
from practice.reminders import sms
from tests import factories
from tests.portal.conftest import last_code, last_link

pytestmark = pytest.mark.django_db
BASE = "http://testserver/"


def _request(address="maria@mail.test", kind="email", now=None):
    services.code_request(kind=kind, address=address, base_url=BASE, now=now)


def test_the_code_and_link_are_stored_only_as_hashes(maria):
    _request()
    code = last_code(mail.outbox)
    token = last_link(mail.outbox).rstrip("/").rsplit("/", 1)[-1]
    row = PortalCode.objects.get()
    assert row.client == maria and row.sent_to == "maria@mail.test"
    stored = " ".join(str(v) for v in PortalCode.objects.values().get().values())
    assert code not in stored and token not in stored
    assert len(row.code_hash) == 64 and len(row.link_hash) == 64
    assert row.expires_at - row.created_at == timedelta(minutes=15)


def test_a_right_code_signs_in_once(maria):
    _request()
    code = last_code(mail.outbox)
    assert services.code_verify(address="maria@mail.test", code=code) == maria
    assert services.code_verify(address="maria@mail.test", code=code) is None
    assert PortalCode.objects.get().used_at is not None


def test_a_code_expires_after_15_minutes(maria):
    now = timezone.now()
    _request(now=now)
    code = last_code(mail.outbox)
    later = now + timedelta(minutes=15, seconds=1)
    assert services.code_verify(address="maria@mail.test", code=code, now=later) is None


def test_five_wrong_tries_spend_the_code(maria):
    _request()
    code = last_code(mail.outbox)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert services.code_verify(address="maria@mail.test", code=wrong) is None
    assert PortalCode.objects.get().attempts == 5
    assert services.code_verify(address="maria@mail.test", code=code) is None


def test_a_code_works_only_for_the_address_it_was_sent_to(maria):
    _request()
    code = last_code(mail.outbox)
    assert services.code_verify(address="other@mail.test", code=code) is None


def test_the_link_signs_in_once_and_spends_the_code(maria):
    _request()
    code = last_code(mail.outbox)
    token = last_link(mail.outbox).rstrip("/").rsplit("/", 1)[-1]
    assert services.link_sign_in(raw_token=token) == maria
    assert services.link_sign_in(raw_token=token) is None
    assert services.code_verify(address="maria@mail.test", code=code) is None


def test_an_unknown_address_gets_nothing_and_no_row(maria):
    _request("nobody@mail.test")
    assert mail.outbox == [] and not PortalCode.objects.exists()


def test_an_archived_client_gets_no_code(maria):
    maria.archived = True
    maria.save()
    _request()
    assert mail.outbox == []


def test_a_mobile_number_gets_the_code_by_sms_without_a_link(maria):
    sms.outbox.clear()
    _request("+12025550111", kind="phone")
    assert mail.outbox == []
    assert len(sms.outbox) == 1 and sms.outbox[0].to == "+12025550111"
    code = sms.outbox[0].body.split()[0]
    assert PortalCode.objects.get().link_hash == ""
    assert services.code_verify(address="+12025550111", code=code) == maria


def test_no_sms_when_sms_is_off(maria, settings):
    settings.RELIEF_SMS_REMINDERS_ENABLED = False
    sms.outbox.clear()
    _request("+12025550111", kind="phone")
    assert sms.outbox == [] and not PortalCode.objects.exists()


def test_a_shared_email_gets_one_code_per_person(maria):
    tom = factories.ClientFactory(first_name="Tom", email="MARIA@mail.test")
    _request()
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Maria:" in body and "Tom:" in body
    tom_code = body.split("Tom: ")[1][:6]
    assert services.code_verify(address="maria@mail.test", code=tom_code) == tom


def test_code_requests_are_limited_per_contact_and_per_address(settings):
    settings.RELIEF_PORTAL_CODES_PER_CONTACT = 3
    settings.RELIEF_PORTAL_REQUESTS_PER_IP = 5
    allowed = [ratelimit.code_request_allowed(ip="1.2.3.4", contact="a@x.test") for _ in range(4)]
    assert allowed == [True, True, True, False]
    # Another contact from the same address: the address's own limit (5) still holds.
    allowed = [ratelimit.code_request_allowed(ip="1.2.3.4", contact="b@x.test") for _ in range(2)]
    assert allowed == [True, False]
    assert ratelimit.code_request_allowed(ip="5.6.7.8", contact="c@x.test")


def test_wrong_codes_are_limited_per_address(settings):
    settings.RELIEF_PORTAL_FAILURES_PER_IP = 3
    for _ in range(3):
        assert not ratelimit.failures_exceeded(ip="1.2.3.4")
        ratelimit.failure(ip="1.2.3.4")
    assert ratelimit.failures_exceeded(ip="1.2.3.4")
    assert not ratelimit.failures_exceeded(ip="5.6.7.8")


@pytest.mark.redis
def test_counters_in_redis_count_expire_and_read_back(settings):
    """On Redis a count is one SET NX + INCR in one MULTI: it starts the window
    once, counts on, and stays an integer the cache reads back."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.CELERY_BROKER_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    settings.RELIEF_PORTAL_FAILURES_PER_IP = 3
    settings.RELIEF_ONLINE_BOOKINGS_PER_IP = 2
    backend = caches["default"]
    try:
        for _ in range(3):
            assert not ratelimit.failures_exceeded(ip="1.2.3.4")
            ratelimit.failure(ip="1.2.3.4")
        assert ratelimit.failures_exceeded(ip="1.2.3.4")
        assert backend.get(ratelimit._key("failure-ip", "1.2.3.4")) == 3
        stored = backend.make_and_validate_key(ratelimit._key("failure-ip", "1.2.3.4"))
        ttl = backend._cache.get_client(stored).ttl(stored)
        assert 0 < ttl <= ratelimit.WINDOW_SECONDS
        allowed = [ratelimit.online_booking_allowed(ip="1.2.3.4") for _ in range(3)]
        assert allowed == [True, True, False]
        assert not ratelimit.failures_exceeded(ip="5.6.7.8")
    finally:
        # Only this test's keys: clear() would flush the broker's whole database.
        backend.delete_many(
            [ratelimit._key("failure-ip", "1.2.3.4"), ratelimit._key("online-book-ip", "1.2.3.4")]
        )
