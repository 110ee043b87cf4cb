"""Sign-in and the owner's pages.

account_patterns: sign-in, sign-out, passwords, two-factor (mounted at /accounts/).
owner_patterns: staff accounts and the audit log (namespace "owner", at /owner/).
"""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from practice.security import views
from practice.security.access import public, staff_required
from practice.security.forms import LoginForm
from practice.security.kiosk import kiosk_page

account_patterns = [
    path(
        "login/",
        public(
            auth_views.LoginView.as_view(
                authentication_form=LoginForm, redirect_authenticated_user=True
            )
        ),
        name="login",
    ),
    # Signing out also ends kiosk mode, for staff who do not know the password
    # of whoever handed the tablet over.
    path("logout/", kiosk_page(public(auth_views.LogoutView.as_view())), name="logout"),
    path(
        "password/change/",
        staff_required(
            auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done"))
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        staff_required(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path("two-factor/", views.setup, name="two_factor_setup"),
    path("two-factor/verify/", views.verify, name="two_factor_verify"),
    path(
        "password/reset/",
        public(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        public(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        public(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        public(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
]

owner_patterns = [
    path("staff/", views.staff_list, name="staff"),
    path("staff/<int:user_id>/toggle/", views.staff_toggle, name="staff_toggle"),
    path("staff/<int:user_id>/invite/", views.staff_invite, name="staff_invite"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/<int:entry_id>/reveal/", views.audit_reveal, name="audit_reveal"),
]
