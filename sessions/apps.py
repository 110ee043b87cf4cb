from django.apps import AppConfig


class TreatmentSessionsConfig(AppConfig):
    name = "sessions"
    # django.contrib.sessions already owns the label "sessions".
    label = "treatment_sessions"
    verbose_name = "Treatment sessions"
