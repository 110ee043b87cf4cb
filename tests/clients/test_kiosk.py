"""Kiosk mode: the clinic tablet handed to a client shows client pages only.

Staff start the check-in from the client or appointment page; the session is
then locked to the check-in form, its thank-you page and the unlock form until
a staff password is entered again.
"""

from datetime import date

import pytest
from django.urls import reverse

from clients.models import CheckIn
from tests.factories import PASSWORD, AppointmentFactory, ClientFactory

pytestmark = pytest.mark.django_db

ANSWERS = {"pain_now": "3", "stress_rating": "6", "sleep_quality": "4", "anything_new": ""}
STAFF_MARKERS = (
    "12 Mar 1980",  # date of birth as the chart shows it
    "maria.g@mail.test",
    "Edit details",
    "Archive",
    "Sign out",  # the staff menu
    'id="main-nav"',
    "Gonzalez",
)


@pytest.fixture
def appointment(therapist, location):
    return AppointmentFactory(
        client=ClientFactory(
            first_name="Maria",
            last_name="Gonzalez",
            email="maria.g@mail.test",
            date_of_birth=date(1980, 3, 12),
            primary_therapist=therapist,
        ),
        therapist=therapist,
        location=location,
    )


def _start(http, appointment, next_url=None):
    url = reverse("clients:checkin_staff", args=[appointment.pk])
    data = {"next": next_url} if next_url else {}
    return http.post(url, data)


def _assert_no_staff_data(html):
    for marker in STAFF_MARKERS:
        assert marker not in html, marker


def test_after_check_in_the_tablet_shows_a_client_page_not_the_chart(client_as, appointment):
    http = client_as("front_desk")
    started = _start(http, appointment, reverse("clients:detail", args=[appointment.client_id]))
    assert started["Location"] == reverse("clients:kiosk")
    form = http.get(started["Location"])
    html = form.content.decode()
    assert "Hello Maria" in html
    _assert_no_staff_data(html)

    done = http.post(reverse("clients:kiosk"), ANSWERS, follow=True)
    html = done.content.decode()
    assert done.redirect_chain[-1][0] == reverse("clients:kiosk_thanks")
    assert "Thanks, take a seat" in html
    _assert_no_staff_data(html)
    assert CheckIn.objects.filter(appointment=appointment, how="staff").count() == 1


@pytest.mark.parametrize(
    "staff_url",
    [
        lambda a: reverse("clients:detail", args=[a.client_id]),
        lambda a: reverse("clients:edit", args=[a.client_id]),
        lambda a: reverse("practice:appointment_detail", args=[a.pk]),
        lambda a: reverse("practice:home"),
        lambda a: reverse("clients:list"),
        lambda a: reverse("login"),
        lambda a: reverse("password_change"),
    ],
    ids=["chart", "edit", "appointment", "today", "client list", "login", "password"],
)
def test_in_kiosk_mode_a_staff_url_does_not_open(client_as, appointment, staff_url):
    http = client_as("front_desk")
    _start(http, appointment)
    response = http.get(staff_url(appointment))
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:kiosk")
    _assert_no_staff_data(http.get(staff_url(appointment), follow=True).content.decode())


def test_in_kiosk_mode_an_htmx_request_is_sent_to_the_kiosk_page(client_as, appointment):
    http = client_as("front_desk")
    _start(http, appointment)
    response = http.get(reverse("clients:list"), {"q": "mar"}, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("clients:kiosk")
    assert b"Gonzalez" not in response.content


def test_an_error_page_in_kiosk_mode_shows_no_staff_menu(client_as, appointment):
    http = client_as("front_desk")
    _start(http, appointment)
    response = http.get("/no-such-page/")
    assert response.status_code == 404
    _assert_no_staff_data(response.content.decode())


def test_a_wrong_password_keeps_the_tablet_locked(client_as, appointment):
    http = client_as("front_desk")
    _start(http, appointment)
    http.post(reverse("clients:kiosk"), ANSWERS)
    response = http.post(reverse("clients:kiosk_unlock"), {"password": "not-the-password"})
    assert response.status_code == 200
    assert "not the password" in response.content.decode()
    assert http.get(reverse("clients:detail", args=[appointment.client_id]))["Location"] == reverse(
        "clients:kiosk"
    )


def test_the_staff_password_unlocks_and_returns_to_where_staff_started(client_as, appointment):
    http = client_as("front_desk")
    chart = reverse("clients:detail", args=[appointment.client_id])
    _start(http, appointment, chart)
    http.post(reverse("clients:kiosk"), ANSWERS)
    response = http.post(reverse("clients:kiosk_unlock"), {"password": PASSWORD})
    assert response["Location"] == chart
    page = http.get(chart)
    assert page.status_code == 200
    assert "Checked in" in page.content.decode()
    assert http.get(reverse("clients:kiosk"))["Location"] == reverse("practice:home")


def test_signing_out_ends_kiosk_mode(client_as, appointment):
    http = client_as("front_desk")
    _start(http, appointment)
    http.post(reverse("logout"))
    response = http.get(reverse("clients:detail", args=[appointment.client_id]))
    assert response["Location"].startswith(reverse("login"))


def test_kiosk_starts_from_the_appointment_page(client_as, appointment):
    http = client_as("front_desk")
    page = http.get(reverse("practice:appointment_detail", args=[appointment.pk])).content.decode()
    assert reverse("clients:checkin_staff", args=[appointment.pk]) in page
    assert "Check in on this tablet" in page


def test_a_therapist_who_may_not_see_the_client_cannot_start_it(client_as, appointment):
    response = _start(client_as("other_therapist"), appointment)
    assert response.status_code == 404
