from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self):
        from . import checks, signals  # noqa: F401  (registers checks and audit hooks)
