from django.urls import path

from api.webhooks import views

urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("add/", views.endpoint_add, name="add"),
    path("<uuid:endpoint_id>/", views.endpoint_detail, name="endpoint"),
    path("<uuid:endpoint_id>/edit/", views.endpoint_edit, name="edit"),
    path("<uuid:endpoint_id>/toggle/", views.endpoint_toggle, name="toggle"),
    path("<uuid:endpoint_id>/rotate/", views.endpoint_rotate, name="rotate"),
    path("<uuid:endpoint_id>/delete/", views.endpoint_delete, name="delete"),
    path("<uuid:endpoint_id>/test/", views.endpoint_test, name="test"),
    path(
        "<uuid:endpoint_id>/deliveries/<int:delivery_id>/",
        views.delivery_detail,
        name="delivery",
    ),
    path(
        "<uuid:endpoint_id>/deliveries/<int:delivery_id>/resend/",
        views.delivery_resend,
        name="resend",
    ),
]
