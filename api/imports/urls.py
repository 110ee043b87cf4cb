"""CSV import of clients and appointments: namespace "api:imports"."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.import_start, name="start"),
    path("<uuid:batch_id>/columns/", views.import_mapping, name="mapping"),
    path("<uuid:batch_id>/", views.import_detail, name="detail"),
    path("<uuid:batch_id>/confirm/", views.import_confirm, name="confirm"),
    path("<uuid:batch_id>/abandon/", views.import_abandon, name="abandon"),
]
