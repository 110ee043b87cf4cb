from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from . import two_factor_views, views
from .access import public, staff_required
from .forms import LoginForm

auth_patterns = [
    path(
        "login/",
        public(
            auth_views.LoginView.as_view(
                authentication_form=LoginForm, redirect_authenticated_user=True
            )
        ),
        name="login",
    ),
    path("logout/", public(auth_views.LogoutView.as_view()), name="logout"),
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
    path("two-factor/", two_factor_views.setup, name="two_factor_setup"),
    path("two-factor/verify/", two_factor_views.verify, name="two_factor_verify"),
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

urlpatterns = [
    path("", include("practice.app_urls")),
    path("r/", include("practice.reminder_urls")),
    path("owner/", include("practice.owner_urls")),
    path("clients/", include("clients.urls")),
    path("notes/", include("sessions.urls")),
    path("accounts/", include(auth_patterns)),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

if settings.RELIEF_BENCH_FLOOR:
    # Only for `make bench`, so the access matrix never sees it.
    urlpatterns.append(path("bench/floor", views.bench_floor, name="bench_floor"))
