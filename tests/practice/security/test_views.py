import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.urls import reverse

from practice.security.access import Role, roles_of
from practice.security.audit import audit_read
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


def _new_person(**overrides):
    data = {
        "first_name": "Rita",
        "last_name": "Moreno",
        "username": "rita",
        "email": "rita@clinic.test",
        "role": "Front desk",
        "password": "a perfectly long passphrase",
    }
    data.update(overrides)
    return data


def test_owner_adds_a_front_desk_person_who_can_sign_in(client_as):
    response = client_as("owner").post(reverse("owner:staff"), _new_person())
    assert response.status_code == 302
    rita = User.objects.get(username="rita")
    assert roles_of(rita) == {Role.FRONT_DESK}
    assert rita.check_password("a perfectly long passphrase")


def test_weak_password_is_refused_and_the_form_keeps_its_values(client_as):
    response = client_as("owner").post(reverse("owner:staff"), _new_person(password="short"))
    assert response.status_code == 200
    assert b"too short" in response.content
    assert b'value="rita@clinic.test"' in response.content
    assert not User.objects.filter(username="rita").exists()


def test_duplicate_username_is_a_form_error(client_as, front_desk):
    response = client_as("owner").post(
        reverse("owner:staff"), _new_person(username=front_desk.username.upper())
    )
    assert response.status_code == 200
    assert b"That username is taken." in response.content


def test_deactivated_staff_cannot_sign_in(client_as, front_desk, client):
    client_as("owner").post(reverse("owner:staff_toggle", args=[front_desk.pk]))
    front_desk.refresh_from_db()
    assert front_desk.is_active is False
    client.logout()
    response = client.post(
        reverse("login"), {"username": front_desk.username, "password": "a-long-test-password-42"}
    )
    assert response.status_code == 200


def test_owner_cannot_deactivate_the_last_owner(client_as, owner):
    other = User.objects.create_user("second", password="x" * 12)
    other.groups.add(*owner.groups.all())
    http = client_as("owner")
    http.post(reverse("owner:staff_toggle", args=[other.pk]))
    other.refresh_from_db()
    assert other.is_active is False
    # Olivia is now the only active owner; she cannot switch herself off either.
    page = http.post(reverse("owner:staff_toggle", args=[owner.pk]), follow=True)
    owner.refresh_from_db()
    assert owner.is_active is True
    assert b"cannot deactivate your own account" in page.content


def test_front_desk_cannot_open_the_audit_log(client_as):
    assert client_as("front_desk").get(reverse("owner:audit_log")).status_code == 404


def test_audit_log_shows_changes_and_reads_with_the_actor(client_as, owner, front_desk):
    appointment = AppointmentFactory()
    http = client_as("owner")
    # A change made during a request carries its actor via AuditlogMiddleware.
    http.post(reverse("owner:staff"), _new_person())
    audit_read(appointment)
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == 1
    page = http.get(reverse("owner:audit_log"))
    assert page.status_code == 200
    assert str(appointment).encode() in page.content


def test_audit_log_query_count_does_not_grow_with_entries(client_as, django_assert_max_num_queries):
    http = client_as("owner")
    for _ in range(3):
        audit_read(AppointmentFactory())
    with django_assert_max_num_queries(12):
        http.get(reverse("owner:audit_log"))
    for _ in range(30):
        audit_read(AppointmentFactory())
    with django_assert_max_num_queries(12):
        http.get(reverse("owner:audit_log"))
