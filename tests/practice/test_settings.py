import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k" * 20 + "a-very-long-and-random-production-secret-value",
    "DJANGO_ALLOWED_HOSTS": "relief.example.com",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "RELIEF_BASE_URL": "https://relief.example.com",
    "EMAIL_URL": "smtp+tls://relief:secret@smtp.example.com:587",
}


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr


def test_check_deploy_warns_when_email_would_go_to_the_console():
    settings = {k: v for k, v in PRODUCTION.items() if k != "EMAIL_URL"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **settings)
    assert result.returncode != 0
    assert "relief.W007" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    # django-csp adds a nonce only to responses that use one.
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert b"<script>" not in response.content  # no inline script anywhere


@pytest.mark.django_db
def test_static_assets_are_vendored_not_from_a_cdn(client):
    body = client.get(reverse("login")).content.decode()
    # No asset from another host: clinics run closed networks and a strict CSP.
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", body)
    assert "/static/vendor/bootstrap-5.3.9.min.css" in body
    assert "/static/vendor/htmx-2.0.11.min.js" in body


@pytest.mark.django_db
def test_htmx_requests_carry_the_csrf_token(client, front_desk):
    client.force_login(front_desk)
    body = client.get(reverse("practice:home")).content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in body


def test_manage_py_without_any_configuration_runs_as_development():
    result = _manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_web_server_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c", "import practice.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(("debug", "cached"), [("0", True), ("1", False)])
def test_templates_come_from_the_cached_loader_in_production_only(debug, cached):
    shown = _manage(
        "shell",
        "-c",
        "from django.template import engines; "
        "print([type(l).__module__ for l in engines['django'].engine.template_loaders])",
        **{**PRODUCTION, "DJANGO_DEBUG": debug},
    )
    assert shown.returncode == 0, shown.stderr
    expected = (
        ["django.template.loaders.cached"]
        if cached
        else ["django.template.loaders.filesystem", "django.template.loaders.app_directories"]
    )
    assert shown.stdout.strip().splitlines()[-1] == repr(expected)
