"""Root URLconf: mounts each package's URLs."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from practice.security.urls import account_patterns, owner_patterns
from practice.views import home

urlpatterns = [
    path("", include("practice.views.urls")),
    path("r/", include("practice.reminders.urls")),
    path("waitlist/", include("practice.waitlist.urls")),
    path("owner/", include((owner_patterns, "owner"))),
    path("clients/", include("clients.urls")),
    path("notes/", include("sessions.urls")),
    path("billing/", include("billing.urls")),
    path("my/", include("portal.urls")),
    path("online/", include("portal.online.urls")),
    path("reports/", include("reports.urls")),
    path("api/", include("api.urls")),
    path("accounts/", include(account_patterns)),
    path("healthz", home.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

if settings.RELIEF_BENCH_FLOOR:
    # Only for `make bench`, so the access matrix never sees it.
    urlpatterns.append(path("bench/floor", home.bench_floor, name="bench_floor"))
