"""Every URL as every persona: deny by default, and exactly the allowed set.

A new URL fails `test_every_url_is_in_the_matrix` until it declares an access
rule and gets a row in tests/access_rows/.
"""

import re

import pytest
from django.urls import reverse

from practice.security.access import CLIENT_PORTAL, PUBLIC, rule_of
from tests.access_rows import all_access, all_sample_kwargs
from tests.access_rows.api import TOKEN_ENDPOINTS
from tests.access_rows.personas import CLIENT, EVERYONE
from tests.urlwalk import walk

ACCESS = all_access()
PERSONAS = sorted(EVERYONE)


def _url(name, route, kwargs):
    params = re.findall(r"<(?:\w+:)?(\w+)>", route)
    return reverse(name, kwargs={p: kwargs[p] for p in params})


def test_every_url_is_in_the_matrix():
    walked = {name for name, _, _ in walk()}
    assert walked == set(ACCESS), (
        f"missing rows: {sorted(walked - set(ACCESS))}; stale rows: {sorted(set(ACCESS) - walked)}"
    )


def test_every_url_declares_an_access_rule():
    undeclared = [name for name, _, callback in walk() if rule_of(callback) is None]
    assert undeclared == []


def test_public_rules_match_the_matrix():
    for name, _, callback in walk():
        is_public = rule_of(callback) == PUBLIC
        assert is_public == ("anonymous" in ACCESS[name]), name


def test_portal_rules_match_the_matrix():
    # A portal page is for the signed-in client alone; no staff role reaches it.
    for name, _, callback in walk():
        is_portal = rule_of(callback) == CLIENT_PORTAL
        assert is_portal == (ACCESS[name] == CLIENT), name


def _matrix():
    for name, route, _ in walk():
        for persona_name in PERSONAS:
            yield pytest.param(name, route, persona_name, id=f"{name}-{persona_name}")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "route", "persona_name"), list(_matrix()))
def test_url_as_persona(client_as, access_world, name, route, persona_name):
    url = _url(name, route, all_sample_kwargs(access_world))
    http = client_as(persona_name)
    response = http.get(url)
    assert response.status_code < 500, response.status_code
    redirected_to_login = response.status_code == 302 and response["Location"].startswith(
        reverse("login")
    )
    portal_page = ACCESS[name] == CLIENT
    # A portal page sends everyone but its client to the portal's own sign-in.
    redirected_to_portal_sign_in = (
        portal_page
        and response.status_code == 302
        and response["Location"].startswith(reverse("portal:home") + "?")
    )
    allowed = persona_name in ACCESS[name]
    # API endpoints answer 401 to a request without a token or staff session.
    api_refused = name in TOKEN_ENDPOINTS and response.status_code == 401
    got_in = (
        response.status_code != 404
        and not api_refused
        and not (redirected_to_login and "anonymous" not in ACCESS[name])
        and not redirected_to_portal_sign_in
    )
    assert got_in == allowed, f"{persona_name} on {name}: {response.status_code}"
    if persona_name in ("anonymous", "client") and not allowed:
        # A portal session is no staff sign-in: staff pages ask it to sign in.
        if name in TOKEN_ENDPOINTS:
            assert api_refused
        else:
            assert redirected_to_portal_sign_in if portal_page else redirected_to_login
