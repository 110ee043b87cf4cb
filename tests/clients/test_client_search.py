"""Search as you type: matching, scoping, and a constant number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients import selectors
from tests.factories import AppointmentFactory, ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(therapist):
    return {
        "maria": ClientFactory(
            first_name="Maria",
            last_name="Gonzalez",
            email="maria.g@mail.test",
            phone="+12025550143",
            primary_therapist=therapist,
        ),
        "mario": ClientFactory(
            first_name="Mario", last_name="Rossi", email="mr@mail.test", phone="+12025550999"
        ),
        "jim": ClientFactory(
            first_name="James", preferred_name="Jim", last_name="O'Neill", email="j@mail.test"
        ),
    }


def _names(user, query):
    return {c.first_name for c in selectors.client_search(user=user, query=query)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("mar", {"Maria", "Mario"}),
        ("MARIA", {"Maria"}),
        ("ma gon", {"Maria"}),
        ("gonzalez maria", {"Maria"}),
        ("jim", {"James"}),
        ("o'ne", {"James"}),
        ("maria.g@", {"Maria"}),
        ("0143", {"Maria"}),
        ("(202) 555-0999", {"Mario"}),
        ("zz", set()),
        ("", set()),
    ],
)
def test_search_by_name_phone_or_email(front_desk, people, query, expected):
    assert _names(front_desk, query) == expected


def test_a_therapist_finds_only_their_clients(therapist, people):
    assert _names(therapist.user, "mar") == {"Maria"}


def test_therapist_list_shows_only_their_clients(client_as, therapist, other_therapist, people):
    AppointmentFactory(client=people["jim"], therapist=other_therapist)
    html = client_as("other_therapist").get(reverse("clients:list")).content.decode()
    assert "O&#x27;Neill" in html
    assert "Gonzalez" not in html and "Rossi" not in html


def test_htmx_search_returns_just_the_results(client_as, people):
    response = client_as("front_desk").get(
        reverse("clients:list"),
        {"q": "gonz"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="client-results",
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "Gonzalez" in html and "Rossi" not in html


def test_no_match_says_what_to_do_next(client_as, people):
    html = client_as("front_desk").get(reverse("clients:list"), {"q": "xyz"}).content.decode()
    assert "No client matches" in html
    assert "add a new client" in html


def _make_clients(n, therapist, location, first_day=0):
    """n clients named Maria*, every third with an appointment with Dana."""
    for i in range(first_day, first_day + n):
        client = ClientFactory(first_name=f"Maria{i}", last_name="Gonzalez")
        if i % 3 == 0:
            AppointmentFactory(
                client=client,
                therapist=therapist,
                location=location,
                starts_at=timezone.now() + timedelta(days=i + 1),
            )


@pytest.mark.parametrize("persona_name", ["front_desk", "therapist"])
@pytest.mark.parametrize("query", ["", "maria", "gonz ma", "0100"])
def test_list_and_search_queries_do_not_grow_with_data(
    client_as, therapist, location, persona_name, query
):
    http = client_as(persona_name)
    url = reverse("clients:list")
    counts = []
    for first_day, batch in ((0, 5), (5, 45)):  # 5 clients, then 10x as many
        _make_clients(batch, therapist, location, first_day)
        http.get(url, {"q": query})  # settle the session
        with CaptureQueriesContext(connection) as ctx:
            response = http.get(
                url, {"q": query}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="client-results"
            )
        assert response.status_code == 200
        assert "Maria" in response.content.decode()
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 8


def test_list_page_query_count_is_bounded(client_as, therapist, django_assert_max_num_queries):
    for i in range(60):
        ClientFactory(first_name=f"Maria{i}", primary_therapist=therapist)
    http = client_as("front_desk")
    with django_assert_max_num_queries(10):
        response = http.get(reverse("clients:list"))
    assert "Showing the first 50" in response.content.decode()


def test_the_result_rows_are_the_reference_markup(front_desk, therapist):
    """Rows written in Python (clients/templatetags/client_rows.py) against the
    one-row reference template, over every branch a row has, names escaped."""
    from django.template.loader import render_to_string

    from clients.templatetags.client_rows import client_result_rows

    therapist.display_name = "Jo <O'Neil>"
    therapist.save()
    ClientFactory(
        first_name="Ana & <b>",
        last_name='D"Souza',
        preferred_name="Annie",
        email="",
        phone="",
        date_of_birth=None,
        primary_therapist=therapist,
    )
    ClientFactory(
        first_name="Bea",
        last_name="Banks",
        preferred_name="Bea",
        phone="+12025550143",
        date_of_birth=timezone.localdate() - timedelta(days=12000),
        archived=True,
        has_red_flags=True,
    )
    rows = selectors.client_results(
        selectors.client_list(user=front_desk, limit=10, include_archived=True)
    )
    assert len(rows) == 2
    expected = "".join(
        f"\n  {render_to_string('clients/_client_result.html', {'client': row}).strip()}\n  "
        for row in rows
    )
    written = client_result_rows(rows)
    assert written == expected
    assert "Ana &amp; &lt;b&gt;" in written and "D&quot;Souza" in written
    assert "“Annie”" in written and "“Bea”" not in written
    assert "Jo &lt;O&#x27;Neil&gt;" in written and "no email" in written
    assert "Archived" in written and "#red-flags" in written and "Born " in written
