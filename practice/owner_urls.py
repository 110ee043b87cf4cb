"""Owner-only pages: namespace "owner", mounted at /owner/."""

from django.urls import path

from . import owner_views

app_name = "owner"

urlpatterns = [
    path("staff/", owner_views.staff_list, name="staff"),
    path("staff/<int:user_id>/toggle/", owner_views.staff_toggle, name="staff_toggle"),
    path("audit/", owner_views.audit_log, name="audit_log"),
]
