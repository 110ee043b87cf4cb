"""Staff accounts: the owner adds people with a role and switches them off.

A new person gets no password from the owner: they get an invitation email
with a set-your-password link (Django's password-reset token, valid for
PASSWORD_RESET_TIMEOUT, three days), so only they ever know it. The token
stops working once a password is set, since it hashes the stored password.
"""

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from practice.security.access import Role, roles_of


def staff_members():
    return (
        User.objects.filter(groups__name__in=[r.value for r in Role])
        .distinct()
        .prefetch_related("groups")
        .order_by("-is_active", "first_name", "last_name", "username")
    )


@transaction.atomic
def staff_create(
    *, username, first_name, last_name, email, role: Role, base_url: str, display_name=""
) -> User:
    """Create a staff account holding one role and email them an invitation.

    A therapist also gets their Therapist profile (named `display_name`, else
    their full name), so every therapist is added here and nowhere else.
    """
    from practice.models import Therapist

    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "That username is taken."})
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get_or_create(name=Role(role).value)[0])
    if Role(role) == Role.THERAPIST:
        therapist = Therapist(user=user, display_name=display_name or user.get_full_name())
        therapist.full_clean(exclude=["user"])
        therapist.save()
    staff_invite(user=user, base_url=base_url)
    return user


def invitation_url(user: User, base_url: str) -> str:
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


def staff_invite(*, user: User, base_url: str) -> None:
    """Email `user` a link to set their own password, once the account is committed."""
    context = {
        "user": user,
        "url": invitation_url(user, base_url),
        "practice_name": settings.RELIEF_PRACTICE_NAME,
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    subject = f"Your {settings.RELIEF_PRACTICE_NAME} sign-in: set your password"
    body = render_to_string("registration/staff_invitation_email.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))


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
