"""The API's access rule: the pages' roles, and 404 for a role without access."""

from django.contrib.auth.decorators import login_not_required
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from practice.security.access import STAFF, roles_of


class HasRole(BasePermission):
    """Signed in (token or session) and holding one of the view's `allowed_roles`.

    Anonymous: 401, so a client knows to send a token. Signed in without the
    role: 404, as the pages answer, so the endpoint is not admitted to exist.
    """

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False  # DRF turns this into 401 with the Bearer challenge
        if not roles_of(user) & view.allowed_roles:
            raise exceptions.NotFound()
        return True


class DeclaredRule:
    """Mixin for API views: declares the access rule the middleware and the
    URL x role matrix read, and leaves sign-in to DRF (a token is no session,
    so LoginRequiredMiddleware must not redirect it to the login page)."""

    allowed_roles = STAFF

    @classmethod
    def as_view(cls, *args, **kwargs):
        view = login_not_required(super().as_view(*args, **kwargs))
        view.access_rule = cls.allowed_roles
        return view
