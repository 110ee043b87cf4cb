"""The client portal: namespace "portal", mounted at /my/."""

from django.urls import path

from . import views
from .online import views as online_views

app_name = "portal"

urlpatterns = [
    # Sign-in (public): the address form doubles as the home page once signed in.
    path("", views.home, name="home"),
    path("code/", views.code, name="code"),
    path("link/<str:link_token>/", views.link, name="link"),
    path("sign-out/", views.sign_out, name="sign_out"),
    # The signed-in client's own records.
    path("appointments/<uuid:appointment_id>/cancel/", views.appointment_cancel, name="cancel"),
    path(
        "appointments/<uuid:appointment_id>/reschedule/",
        online_views.reschedule,
        name="reschedule",
    ),
    path("details/", views.details, name="details"),
    path("receipts/<uuid:invoice_id>.pdf", views.receipt, name="receipt"),
]
