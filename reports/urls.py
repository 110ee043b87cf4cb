from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("revenue/", views.revenue, name="revenue"),
    path("utilisation/", views.utilisation, name="utilisation"),
    path("attendance/", views.attendance, name="attendance"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("clients/", views.clients, name="clients"),
    path("recall/", views.recall, name="recall"),
]
