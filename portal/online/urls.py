"""Online booking: namespace "online", mounted at /online/."""

from django.urls import path

from . import views

app_name = "online"

urlpatterns = [
    path("", views.start, name="start"),
    path("times/", views.times, name="times"),
    path("details/", views.details, name="details"),
    path("code/", views.code, name="code"),
    path("done/", views.done, name="done"),
    # Staff: requests waiting for an answer.
    path("requests/", views.requests_list, name="requests"),
    path("requests/<uuid:appointment_id>/", views.request_decide, name="request_decide"),
]
