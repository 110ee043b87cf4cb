"""Session notes and treatment plans: namespace "sessions"."""

app_name = "sessions"

urlpatterns: list = []
