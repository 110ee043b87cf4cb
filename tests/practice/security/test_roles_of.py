"""A user's roles: their groups read in one plain statement, once per request."""

import pytest
from django.contrib.auth.models import Group, User

from practice.security.access import Role, roles_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _fresh(user):
    return User.objects.get(pk=user.pk)  # nothing remembered from an earlier call


def test_the_roles_are_the_users_groups_that_name_a_role(django_assert_num_queries):
    nobody = UserFactory()
    desk = UserFactory(role=Role.FRONT_DESK)
    both = UserFactory(role=Role.THERAPIST)
    both.groups.add(Group.objects.get_or_create(name=Role.OWNER)[0])
    both.groups.add(Group.objects.create(name="Book club"))  # not a role
    UserFactory(role=Role.OWNER)  # someone else's groups are not read
    for user, expected in (
        (nobody, set()),
        (desk, {Role.FRONT_DESK}),
        (both, {Role.THERAPIST, Role.OWNER}),
    ):
        user = _fresh(user)
        with django_assert_num_queries(1):
            assert roles_of(user) == expected
            assert roles_of(user) == expected  # remembered for the request
        names = set(user.groups.values_list("name", flat=True))
        assert roles_of(user) == {Role(n) for n in names if n in Role._value2member_map_}


def test_a_superuser_is_an_owner_and_an_inactive_user_has_no_role():
    root = UserFactory(is_superuser=True)
    assert roles_of(_fresh(root)) == {Role.OWNER}
    gone = UserFactory(role=Role.FRONT_DESK, is_active=False)
    assert roles_of(_fresh(gone)) == frozenset()
