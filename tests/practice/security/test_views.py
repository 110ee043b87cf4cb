import re

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
    }
    data.update(overrides)
    return data


def _invitation_link(message):
    return re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)


def test_owner_invites_a_person_who_sets_their_own_password(
    client_as, client, mailoutbox, django_capture_on_commit_callbacks
):
    owner = client_as("owner")
    form = owner.get(reverse("owner:staff")).content.decode()
    assert 'type="password"' not in form
    with django_capture_on_commit_callbacks(execute=True):
        with_commit = owner.post(reverse("owner:staff"), _new_person(), follow=True)
    assert "Invitation sent to rita@clinic.test" in with_commit.content.decode()
    assert "Invited" in with_commit.content.decode()
    rita = User.objects.get(username="rita")
    assert roles_of(rita) == {Role.FRONT_DESK}
    assert not rita.has_usable_password()
    [message] = mailoutbox
    assert message.to == ["rita@clinic.test"]
    assert "rita" in message.body and "3 days" in message.body

    client.logout()
    link = client.get(_invitation_link(message), follow=True)
    assert "Choose a new password" in link.content.decode()
    done = client.post(
        link.redirect_chain[-1][0],
        {"new_password1": "my own long passphrase", "new_password2": "my own long passphrase"},
    )
    assert done.status_code == 302
    rita.refresh_from_db()
    assert rita.check_password("my own long passphrase")
    # The link works once.
    again = client.get(_invitation_link(message), follow=True)
    assert "This link no longer works" in again.content.decode()


def test_a_therapist_added_under_staff_gets_a_profile_and_lands_on_it(
    client_as, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("owner").post(
            reverse("owner:staff"), _new_person(username="jo", first_name="Jo", role="Therapist")
        )
    jo = User.objects.get(username="jo")
    assert roles_of(jo) == {Role.THERAPIST}
    assert jo.therapist.display_name == "Jo Moreno"
    assert response["Location"] == reverse(
        "practice:setup_therapists_edit", kwargs={"therapist_id": jo.therapist.pk}
    )
    assert len(mailoutbox) == 1


def test_owner_sends_the_invitation_again(
    client_as, mailoutbox, django_capture_on_commit_callbacks
):
    owner = client_as("owner")
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(reverse("owner:staff"), _new_person())
    rita = User.objects.get(username="rita")
    html = owner.get(reverse("owner:staff")).content.decode()
    assert "Send invitation again" in html
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(reverse("owner:staff_invite", args=[rita.pk]))
    assert len(mailoutbox) == 2
    assert _invitation_link(mailoutbox[1])


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
