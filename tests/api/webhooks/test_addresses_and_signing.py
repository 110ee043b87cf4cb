"""Where webhooks may go, and the signature format (no database)."""

import pytest
from django.core.exceptions import ValidationError

from api.webhooks import addresses, signing


@pytest.fixture
def production(settings):
    settings.RELIEF_WEBHOOK_ALLOW_LOCAL_HTTP = False


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://203.0.113.10/hook", "https"),
        ("ftp://203.0.113.10/hook", "https"),
        ("https://user:pw@203.0.113.10/hook", "user name and password"),
        ("https://127.0.0.1/hook", "private or local"),
        ("https://localhost/hook", "private or local"),
        ("https://10.0.0.5/hook", "private or local"),
        ("https://192.168.1.20:8443/hook", "private or local"),
        ("https://172.16.0.1/hook", "private or local"),
        ("https://169.254.169.254/latest/meta-data", "private or local"),
        ("https://100.64.0.1/hook", "private or local"),
        ("https://[::1]/hook", "private or local"),
        ("https://[fd00::1]/hook", "private or local"),
        ("https://[::ffff:10.0.0.1]/hook", "private or local"),
        ("https://0.0.0.0/hook", "private or local"),
        ("https://224.0.0.1/hook", "private or local"),
        ("https:///hook", "full URL"),
        ("https://203.0.113.10:99999/hook", "valid URL"),
        ("https://no-such-host.invalid/hook", "could not be found"),
    ],
)
def test_production_refuses(production, url, message):
    with pytest.raises(ValidationError, match=message):
        addresses.resolve(url)


def test_production_accepts_a_public_https_address(production):
    target = addresses.resolve("https://93.184.215.14:8443/relief?key=1")
    assert (target.scheme, target.host, target.port, target.address, target.path) == (
        "https",
        "93.184.215.14",
        8443,
        "93.184.215.14",
        "/relief?key=1",
    )


def test_the_local_setting_allows_plain_http_to_loopback_only(settings):
    settings.RELIEF_WEBHOOK_ALLOW_LOCAL_HTTP = True
    assert addresses.resolve("http://127.0.0.1:8042/hook").address == "127.0.0.1"
    assert addresses.resolve("http://localhost:8042/hook").port == 8042
    for url in ("http://10.0.0.5/hook", "http://203.0.113.10/hook", "https://10.0.0.5/hook"):
        with pytest.raises(ValidationError):
            addresses.resolve(url)


def test_a_signature_covers_timestamp_and_body():
    body = b'{"id":"e1"}'
    header = signing.header_value(["whsec_a"], 1_800_000_000, body)
    assert header.startswith("t=1800000000,v1=")
    assert signing.verify("whsec_a", header, body, now=1_800_000_010)
    assert not signing.verify("whsec_b", header, body, now=1_800_000_010)
    assert not signing.verify("whsec_a", header, body + b"x", now=1_800_000_010)
    # A replay of the same request, ten minutes on.
    assert not signing.verify("whsec_a", header, body, now=1_800_000_600)
    # The timestamp is signed: changing it breaks the signature.
    forged = header.replace("t=1800000000", "t=1800000500")
    assert not signing.verify("whsec_a", forged, body, now=1_800_000_500)


def test_during_a_rotation_either_secret_verifies():
    header = signing.header_value(["whsec_new", "whsec_old"], 1_800_000_000, b"{}")
    assert header.count("v1=") == 2
    assert signing.verify("whsec_new", header, b"{}", now=1_800_000_000)
    assert signing.verify("whsec_old", header, b"{}", now=1_800_000_000)


def test_deploy_check_warns_while_local_http_is_allowed(settings):
    from api.webhooks.checks import local_http_allowed

    settings.DEBUG = False
    settings.RELIEF_WEBHOOK_ALLOW_LOCAL_HTTP = True
    assert [w.id for w in local_http_allowed(None)] == ["relief.W201"]
    settings.RELIEF_WEBHOOK_ALLOW_LOCAL_HTTP = False
    assert local_http_allowed(None) == []
