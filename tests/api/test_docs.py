"""The OpenAPI schema and the Swagger UI page, with their assets served by Relief
itself (drf-spectacular-sidecar) and nothing inline that the CSP would block."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_schema_lists_the_endpoints_and_the_bearer_scheme(bearer, owner):
    response = bearer(owner).get(reverse("api:schema"))
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    for path in (
        "/api/v1/clients/",
        "/api/v1/appointments/",
        "/api/v1/appointments/{appointment_id}/move/",
        "/api/v1/appointments/{appointment_id}/cancel/",
        "/api/v1/availability/",
        "/api/v1/notes/",
        "/api/v1/invoices/",
    ):
        assert path in paths, path
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    booking = paths["/api/v1/appointments/"]["post"]
    assert {"201", "400", "409"} <= set(booking["responses"])


def test_the_schema_as_json(client, owner):
    client.force_login(owner)
    response = client.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200 and response.json()["info"]["title"] == "Relief API"


def test_the_docs_page_uses_local_assets_and_no_inline_code(client, owner):
    client.force_login(owner)
    page = client.get(reverse("api:docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(not a.startswith(("http:", "https:", "//")) for a in assets), assets
    # No inline <script> or <style>: the Content-Security-Policy allows neither.
    assert "<style" not in html
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))
    for asset in assets:
        if asset.startswith("/static/"):
            assert finders.find(asset.removeprefix("/static/")), asset
    script_url = next(a for a in assets if "script" in a and "static" not in a)
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    assert "'unsafe-inline'" not in page["Content-Security-Policy"]


def test_the_docs_page_asks_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_every_read_endpoint_describes_itself_and_notes_keep_their_shape(bearer, owner):
    """Each list and record operation has its own description, not the text of
    a class it inherits from; a note still shows techniques and amendments."""
    schema = yaml.safe_load(bearer(owner).get(reverse("api:schema")).content)
    reads = {path: ops["get"] for path, ops in schema["paths"].items() if "get" in ops}
    assert len(reads) >= 20
    for path, read in reads.items():
        description = read.get("description", "")
        assert description and "Mixin" not in description, path
    note = schema["components"]["schemas"]["SessionNote"]
    assert note["properties"]["techniques"]["items"]["$ref"].endswith("/TechniqueApplication")
    assert note["properties"]["amendments"]["items"]["$ref"].endswith("/Amendment")
    assert {"techniques", "amendments"} <= set(note["required"])
