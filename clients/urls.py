"""Client records and online intake: namespace "clients"."""

from django.urls import path

from . import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("<uuid:client_id>/", views.client_detail, name="detail"),
    path("<uuid:client_id>/edit/", views.client_edit, name="edit"),
    path("<uuid:client_id>/archive/", views.client_archive, name="archive"),
    path("<uuid:client_id>/intake-link/", views.intake_link_send, name="intake_link_send"),
    path("<uuid:client_id>/intake/new/", views.intake_staff, name="intake_staff"),
    path("<uuid:client_id>/intakes/<uuid:intake_id>/", views.intake_detail, name="intake_detail"),
    path(
        "<uuid:client_id>/red-flags/<slug:code>/clear/",
        views.red_flag_clear,
        name="red_flag_clear",
    ),
    path("check-in/appointment/<uuid:appointment_id>/", views.checkin_staff, name="checkin_staff"),
    # The clinic tablet in kiosk mode: client-facing, until staff unlock it.
    path("kiosk/", views.kiosk_checkin, name="kiosk"),
    path("kiosk/thanks/", views.kiosk_thanks, name="kiosk_thanks"),
    path("kiosk/unlock/", views.kiosk_unlock, name="kiosk_unlock"),
    # Client-facing pages opened from a link: no sign-in.
    path("intake/thanks/", views.intake_thanks, name="intake_thanks"),
    path("intake/<str:intake_token>/", views.intake_public, name="intake_public"),
    path("check-in/thanks/", views.checkin_thanks, name="checkin_thanks"),
    path("check-in/<str:checkin_token>/", views.checkin_public, name="checkin_public"),
]
