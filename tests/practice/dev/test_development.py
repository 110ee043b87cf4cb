"""Development conveniences under `make run`: links, kept emails, the 404 page."""

import subprocess

import pytest
from django.core import mail
from django.urls import reverse

from tests.practice.test_settings import ROOT, _manage

pytestmark = pytest.mark.django_db


def test_make_run_gives_every_process_the_base_url_of_its_port():
    result = subprocess.run(
        ["make", "-n", "run", "HOST=127.0.0.1", "PORT=8010"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    honcho = next(line for line in result.stdout.splitlines() if "RELIEF_BASE_URL" in line)
    assert "RELIEF_BASE_URL=http://127.0.0.1:8010" in honcho
    # honcho is the last command of that line: web, worker and beat inherit it.
    assert "honcho start" in result.stdout.split("RELIEF_BASE_URL=http://127.0.0.1:8010", 1)[1]


def test_development_writes_emails_to_files_under_var():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print('=>', s.EMAIL_BACKEND, s.EMAIL_FILE_PATH)",
        DJANGO_DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    backend, folder = result.stdout.split("=>", 1)[1].split()
    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert folder.endswith("var/sent-email")


def test_owner_opens_the_emails_sent_in_development(client_as, settings, tmp_path):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    connection = mail.get_connection()
    mail.EmailMessage(
        "Your appointment on Tuesday",
        "Confirm: http://127.0.0.1:8010/r/c/abc/",
        to=["maria@mail.test"],
        connection=connection,
    ).send()
    mail.EmailMessage("Second", "Body two", to=["tom@mail.test"], connection=connection).send()
    owner = client_as("owner")
    home = owner.get(reverse("practice:home")).content.decode()
    assert "Sent messages" in home
    html = owner.get(reverse("reminders:sent_messages")).content.decode()
    assert "Your appointment on Tuesday" in html
    assert "maria@mail.test" in html
    assert 'href="http://127.0.0.1:8010/r/c/abc/"' in html
    assert html.index("Second") < html.index("Your appointment on Tuesday")


def test_sent_messages_are_not_listed_outside_development(client_as, settings):
    settings.DEBUG = False
    assert "Sent messages" not in client_as("owner").get(reverse("practice:home")).content.decode()
    html = client_as("owner").get(reverse("reminders:sent_messages")).content.decode()
    assert "Email is not kept here" in html


@pytest.mark.parametrize("case", ["unknown_url", "refused_page"])
def test_a_refused_page_in_development_is_the_projects_404(client_as, settings, case):
    settings.DEBUG = True
    http = client_as("front_desk")
    url = reverse("practice:setup") if case == "refused_page" else "/no-such-page/"
    response = http.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "Go to the start page" in html
    assert "URLconf" not in html
    assert "DEBUG = True" not in html
    assert "Today" in html  # the staff menu, as on every page
