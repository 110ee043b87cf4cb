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
    # The waitlist: own requests, and offer links (the token is the credential).
    path("waitlist/", views.waitlist, name="waitlist"),
    path("waitlist/add/", views.waitlist_add, name="waitlist_add"),
    path(
        "waitlist/<uuid:waitlist_entry_id>/remove/", views.waitlist_remove, name="waitlist_remove"
    ),
    path("waitlist/offers/<uuid:offer_id>/book/", views.waitlist_claim, name="waitlist_claim"),
    path("offers/<str:offer_token>/", views.waitlist_offer, name="waitlist_offer"),
]
