"""Client records and online intake: namespace "clients"."""

app_name = "clients"

urlpatterns: list = []
