"""Staff accounts: the owner adds people with a role and switches them off."""

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from practice.security.access import Role, roles_of


def staff_members():
    return (
        User.objects.filter(groups__name__in=[r.value for r in Role])
        .distinct()
        .prefetch_related("groups")
        .order_by("-is_active", "first_name", "last_name", "username")
    )


@transaction.atomic
def staff_create(*, username, first_name, last_name, email, role: Role, password) -> User:
    """Create a staff account holding one role."""
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "That username is taken."})
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get(name=Role(role)))
    return user


@transaction.atomic
def staff_set_active(*, user: User, active: bool, by: User) -> User:
    """Switch an account on or off; an owner cannot lock the practice out."""
    if not active and user == by:
        raise ValidationError("You cannot deactivate your own account.")
    if not active and Role.OWNER in roles_of(user):
        other_owners = (
            User.objects.filter(is_active=True, groups__name=Role.OWNER)
            .exclude(pk=user.pk)
            .exists()
        )
        if not other_owners:
            raise ValidationError("Keep at least one active owner.")
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user
