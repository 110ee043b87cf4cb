"""Reminder links and calendar feeds: namespace "reminders"."""

from django.urls import path

from practice.reminders import views

app_name = "reminders"

urlpatterns = [
    # Client links from reminder messages (signed tokens, no sign-in).
    path("c/<str:confirm_token>/", views.confirm, name="confirm"),
    path("x/<str:cancel_token>/", views.cancel, name="cancel"),
    path("done/<slug:outcome>/", views.done, name="done"),
    # Staff: send a reminder again.
    path("resend/<uuid:pk>/", views.resend, name="resend"),
    # Therapists' calendar subscription: the settings page and the feed itself.
    path("calendar/", views.calendar_feed, name="calendar_feed"),
    path("calendar/<str:feed_token>.ics", views.feed, name="feed"),
    # Development: the emails the file backend kept, for the owner to open.
    path("sent/", views.sent_messages_page, name="sent_messages"),
    # Two-way SMS: the provider's webhook (signed) and the front desk's inbox.
    path("sms/inbound/", views.sms_inbound, name="sms_inbound"),
    path("sms/", views.sms_inbox, name="sms_inbox"),
    path("sms/<int:text_id>/handled/", views.sms_handled, name="sms_handled"),
]
