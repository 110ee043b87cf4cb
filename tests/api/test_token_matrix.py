"""The URL x role matrix again, with each persona's API token instead of a
session: a token gets exactly what its user's pages allow (tests/access_rows/api.py).

Anonymous and the portal client hold no token (401); a token of an account
without a role is refused (401); out of scope answers 404.
"""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.rest.models import ApiToken
from api.rest.services import api_token_create
from clients.tokens import hash_token
from tests.access_rows import all_sample_kwargs
from tests.access_rows.api import API_ACCESS
from tests.access_rows.personas import EVERYONE
from tests.conftest import portal_sign_in
from tests.urlwalk import walk

ROUTES = {name: route for name, route, _ in walk() if name in API_ACCESS}


def _matrix():
    for name in sorted(API_ACCESS):
        for persona_name in sorted(EVERYONE):
            yield pytest.param(name, persona_name, id=f"{name}-{persona_name}")


def _token_client(persona_name, persona, world):
    if persona_name == "anonymous":
        return Client()
    if persona_name == "client":
        return portal_sign_in(Client(), world.client)
    user = persona(persona_name)
    if persona_name == "no_role":
        # The service refuses them a token; one made anyway must not work.
        secret = "relief_no-role-token"
        ApiToken.objects.create(
            user=user,
            name="x",
            prefix=secret[:11],
            key_hash=hash_token(secret),
            expires_at=timezone.now() + timedelta(days=1),
        )
    else:
        _, secret = api_token_create(user=user, name="matrix", days=1)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "persona_name"), list(_matrix()))
def test_api_url_with_a_token(persona, access_world, settings, name, persona_name):
    # Front desk may hold a token where the practice allows it; its scope is
    # then what the front desk's pages show.
    settings.RELIEF_API_TOKEN_ROLES = ["Owner", "Therapist", "Front desk"]
    kwargs = all_sample_kwargs(access_world)
    params = re.findall(r"<(?:\w+:)?(\w+)>", ROUTES[name])
    url = reverse(name, kwargs={p: kwargs[p] for p in params})
    response = _token_client(persona_name, persona, access_world).get(url)
    assert response.status_code < 500
    got_in = response.status_code not in (401, 404)
    assert got_in == (persona_name in API_ACCESS[name]), f"{persona_name}: {response.status_code}"
    if not got_in:
        if name != "api:schema":  # the schema answers in its own (OpenAPI) format
            assert response["Content-Type"] == "application/json"
        expected = 404 if persona_name not in {"anonymous", "client", "no_role"} else 401
        assert response.status_code == expected
