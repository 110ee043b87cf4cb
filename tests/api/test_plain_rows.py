"""The clients, intakes and scores lists are written from plain rows
(api.rest.rows.PlainRows): their JSON is byte for byte what ClientSerializer,
IntakeSerializer and ScoreSerializer write from the model instances, with every kind of value
(dates, decimals, JSON with characters to escape, choices, empty and null
answers), page after page; a record alone is still the serializer's."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from api.rest import selectors
from api.rest import serializers as s
from api.rest.rows import PlainRows
from clients.models import Client, Intake, Score
from tests import factories
from tests.clients.factories import IntakeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(access_world):
    client = access_world.client
    other = factories.ClientFactory(
        first_name='Zoë "Z"', last_name="O'Brien", preferred_name="", phone="+12025550143",
        date_of_birth=date(1980, 2, 29), has_red_flags=True, consent_sms_reminders=True,
        emergency_contact_phone="not a number",
    )  # fmt: skip
    start = datetime(2026, 3, 1, 14, 30, 5, 250000, tzinfo=UTC)
    for n in range(7):
        IntakeFactory(
            client=client if n % 2 else other,
            submitted_at=start + timedelta(days=n, microseconds=n),
            onset_date=date(2025, 12, 24) if n % 3 == 0 else None,
            sleep_hours=Decimal("7.5") if n % 2 else (Decimal("6") if n == 2 else None),
            pain_regions=["low_back", 'a "quoted" \\ région </script>'][: n % 3],
            chief_complaint=f'Neck "{n}" ünïcode\n<b>',
            pain_now=None if n == 4 else n,
            duration="months" if n % 2 else "",
        )
        Score.objects.create(
            client=client if n % 2 else other,
            instrument="pain_nrs" if n % 2 else "peg",
            value=n,
            item_answers={"a": n, "b": [1, 2], "é": '"x"'} if n % 2 else {},
            recorded_at=start + timedelta(hours=n),
            context="check_in",
            appointment=access_world.appointment if n == 3 else None,
        )
    return access_world


def _reference(serializer_class, records, path, http):
    """Every page of the list as the serializer writes it, in the list's order."""
    pages, url = [], f"/api/v1/{path}/?page_size=3"
    while url:
        body = http.get(url).json()
        ids = [row["id"] for row in body["results"]]
        by_id = {str(r.pk): r for r in records.filter(pk__in=ids)}
        rows = serializer_class([by_id[str(i)] for i in ids], many=True).data
        pages.append((http.get(url).content, body, JSONRenderer().render(rows)))
        url = body["next"]
    return pages


@pytest.mark.parametrize(
    ("serializer_class", "model", "path"),
    [
        (s.IntakeSerializer, Intake, "intakes"),
        (s.ScoreSerializer, Score, "scores"),
        (s.ClientSerializer, Client, "clients"),
    ],
)
def test_a_list_from_plain_rows_is_the_serializer_s_json(
    bearer, owner, records, serializer_class, model, path
):
    http = bearer(owner)
    scoped = selectors.api_clients(owner) if model is Client else model.objects.all()
    pages = _reference(serializer_class, scoped, path, http)
    assert sum(len(body["results"]) for _, body, _ in pages) == scoped.count() >= 2
    for content, _body, reference in pages:
        results = content[content.index(b'"results":') + len(b'"results":') : -1]
        assert results == reference
    one = http.get(f"/api/v1/{path}/{pages[0][1]['results'][0]['id']}/")
    first = scoped.get(pk=pages[0][1]["results"][0]["id"])
    assert one.content == JSONRenderer().render(serializer_class(first).data)


def test_a_list_from_plain_rows_reads_no_model_instance(bearer, owner, records):
    http = bearer(owner)
    http.get("/api/v1/intakes/")  # warm: content types, the token's stamp
    with CaptureQueriesContext(connection) as captured:
        assert len(http.get("/api/v1/intakes/").json()["results"]) == 7
    [read] = [q["sql"] for q in captured.captured_queries if '"clients_intake"' in q["sql"]]
    # The serializer's columns only: not the consent address nor the tokens.
    assert "consent_ip" not in read and "form_token" not in read


@pytest.mark.parametrize(
    "field",
    [
        serializers.URLField(),
        serializers.SerializerMethodField(),
        serializers.CharField(source="client.full_name"),
        serializers.JSONField(binary=True),
    ],
)
def test_a_field_without_a_plain_representation_is_refused(field):
    serializer_class = type("One", (serializers.Serializer,), {"field": field})
    with pytest.raises(TypeError):
        PlainRows(serializer_class)
