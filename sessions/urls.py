"""Session notes and treatment plans: namespace "sessions"."""

from django.urls import path

from . import views

app_name = "sessions"

urlpatterns = [
    path("", views.backlog, name="backlog"),
    path(
        "appointment/<uuid:appointment_id>/",
        views.note_for_appointment,
        name="note_for_appointment",
    ),
    path("note/<uuid:note_id>/", views.note_detail, name="note_detail"),
    path("note/<uuid:note_id>/edit/", views.note_edit, name="note_edit"),
    path("note/<uuid:note_id>/autosave/", views.note_autosave, name="note_autosave"),
    path("note/<uuid:note_id>/techniques/", views.note_technique_add, name="note_technique_add"),
    path(
        "note/<uuid:note_id>/techniques/<int:application_id>/remove/",
        views.note_technique_remove,
        name="note_technique_remove",
    ),
    path("note/<uuid:note_id>/sign/", views.note_sign, name="note_sign"),
    path("note/<uuid:note_id>/amend/", views.note_amend, name="note_amend"),
    path("note/<uuid:note_id>/correct/", views.note_correct, name="note_correct"),
    path("note/<uuid:note_id>/reassign/", views.note_reassign, name="note_reassign"),
    path("client/<uuid:client_id>/", views.client_history, name="client_history"),
    path("client/<uuid:client_id>/plans/new/", views.plan_create, name="plan_create"),
    path("plan/<uuid:plan_id>/", views.plan_detail, name="plan_detail"),
    path("plan/<uuid:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("plan/<uuid:plan_id>/close/", views.plan_close, name="plan_close"),
    path("plan/<uuid:plan_id>/reassign/", views.plan_reassign, name="plan_reassign"),
    path("techniques/", views.techniques, name="techniques"),
]
