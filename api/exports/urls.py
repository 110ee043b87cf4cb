from django.urls import path

from . import views

urlpatterns = [
    path("", views.export_index, name="index"),
    path("start/", views.export_start, name="start"),
    path("<uuid:export_id>/status/", views.export_status, name="status"),
    path("<uuid:export_id>/download/", views.export_download, name="download"),
]
