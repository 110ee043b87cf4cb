import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")

app = Celery("relief")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each app's tasks.py, plus the task modules that live in a sub-package.
app.autodiscover_tasks()
app.autodiscover_tasks(["practice.reminders", "practice.waitlist"])
app.autodiscover_tasks(["api.imports"])
app.autodiscover_tasks(["api.webhooks"])
app.autodiscover_tasks(["api.exports"])
