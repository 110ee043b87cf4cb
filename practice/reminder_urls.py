"""Reminder links and calendar feeds: namespace "reminders"."""

app_name = "reminders"

urlpatterns: list = []
