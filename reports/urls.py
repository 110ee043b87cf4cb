from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("revenue/", views.revenue, name="revenue"),
    path("utilisation/", views.utilisation, name="utilisation"),
    path("attendance/", views.attendance, name="attendance"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("outcomes/recompute/", views.outcomes_recompute, name="outcomes_recompute"),
    path("clients/", views.clients, name="clients"),
    path("recall/", views.recall, name="recall"),
    path("recall/<uuid:client_id>/contacted/", views.recall_contact, name="recall_contact"),
    path(
        "recall/<uuid:client_id>/contacted/undo/",
        views.recall_contact_undo,
        name="recall_contact_undo",
    ),
]
