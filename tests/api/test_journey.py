"""The whole story: a user creates a token on their page, then lists, books,
moves and cancels with plain HTTP requests: through Django's test client, and
over a real socket against a live server with urllib (as curl would)."""

import json
import re
import urllib.error
import urllib.request

import pytest
from django.test import Client
from django.urls import reverse

from practice.models import Appointment


def _token_from_the_page(http, user):
    http.force_login(user)
    created = http.post(reverse("api:tokens"), {"name": "Front desk script", "days": "30"})
    assert created.status_code == 201
    return re.search(rb'value="(relief_[^"]+)"', created.content).group(1).decode()


def _journey(call, practice):
    """call(method, path, body) -> (status, json). Runs list, book, move, cancel."""
    status, listing = call("GET", "/api/v1/clients/", None)
    assert status == 200
    client_id = next(c["id"] for c in listing["results"] if c["id"] == str(practice.client.pk))
    status, booked = call(
        "POST",
        "/api/v1/appointments/",
        {
            "client": client_id,
            "therapist": practice.dana.pk,
            "service": practice.service.pk,
            "starts_at": practice.at(10).isoformat(),
        },
    )
    assert status == 201, booked
    path = f"/api/v1/appointments/{booked['id']}/"
    status, clash = call(
        "POST",
        "/api/v1/appointments/",
        {
            "client": client_id,
            "therapist": practice.dana.pk,
            "service": practice.service.pk,
            "starts_at": practice.at(10, 30).isoformat(),
        },
    )
    assert status == 409 and clash["error"]["code"] == "clash"
    status, moved = call("POST", path + "move/", {"starts_at": practice.at(13).isoformat()})
    assert status == 200 and moved["starts_at"] == practice.at(13).isoformat()
    status, cancelled = call("POST", path + "cancel/", {"reason": "Feeling unwell"})
    assert status == 200 and cancelled["appointment"]["status"] == "cancelled"
    status, shown = call("GET", path, None)
    assert status == 200 and shown["cancel_reason"] == "Feeling unwell"
    return Appointment.objects.get(pk=booked["id"])


@pytest.mark.django_db
def test_token_from_the_page_then_the_api_with_the_test_client(practice, owner):
    secret = _token_from_the_page(Client(), owner)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def call(method, path, body):
        if method == "GET":
            response = api.get(path)
        else:
            response = api.post(path, body, content_type="application/json")
        return response.status_code, response.json()

    appointment = _journey(call, practice)
    assert appointment.booked_by == owner and appointment.cancelled_by == owner


@pytest.mark.django_db(transaction=True)
def test_the_same_over_a_live_server_with_urllib(live_server, practice, owner):
    secret = _token_from_the_page(Client(), owner)

    def call(method, path, body):
        request = urllib.request.Request(  # noqa: S310 (the live test server)
            live_server.url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    appointment = _journey(call, practice)
    assert appointment.status == "cancelled" and appointment.cancelled_by == owner
    # Without the token: 401 with the challenge, as JSON.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(live_server.url + "/api/v1/clients/", timeout=20)  # noqa: S310
    assert refused.value.code == 401
    assert refused.value.headers["WWW-Authenticate"].startswith("Bearer")
    assert json.loads(refused.value.read())["error"]["code"] == "not_authenticated"
