"""The settings module, exercised the way a deployment runs it: in a separate process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import database_url_of_test_database

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db, pytest.mark.server]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "DEMO_MODE", "SECRET_KEY", "SECURE_SSL_REDIRECT"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "SECRET_KEY": "x" * 64 + "production-like-secret-key-for-the-deploy-check",
    "ALLOWED_HOSTS": "cse.partnership.example",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "SITE_URL": "https://cse.partnership.example",
}


def test_check_deploy_refuses_a_site_url_that_is_not_the_services_https_address():
    """Links in e-mails are built from SITE_URL, never from a request's Host header."""
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DATABASE_URL=database_url_of_test_database(),
        **{**PRODUCTION, "SITE_URL": "http://127.0.0.1:8000"},
    )
    assert result.returncode != 0
    assert "core.W001" in result.stdout + result.stderr


def test_check_deploy_passes_with_the_production_variables():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DATABASE_URL=database_url_of_test_database(),
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_a_secret_key_the_application_refuses_to_start():
    result = manage("check", DATABASE_URL=database_url_of_test_database())
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_demo_mode_is_refused_unless_debug_is_on():
    result = manage(
        "check", DATABASE_URL=database_url_of_test_database(), DEMO_MODE="true", **PRODUCTION
    )
    assert result.returncode != 0
    assert "DEMO_MODE may only be on when DEBUG is on" in result.stderr


def test_collectstatic_builds_the_production_manifest(tmp_path):
    result = manage(
        "collectstatic",
        "--no-input",
        DATABASE_URL=database_url_of_test_database(),
        VAR_DIR=str(tmp_path),
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "staticfiles" / "staticfiles.json").exists()


def test_production_cookies_are_host_only_and_secure():
    """`__Host-` cookies: the browser refuses them unless Secure, for this host, every path."""
    script = (
        "from django.conf import settings as s; "
        "print('cookies:', s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_DOMAIN, s.CSRF_COOKIE_DOMAIN, "
        "s.SESSION_COOKIE_PATH, s.CSRF_COOKIE_PATH)"
    )
    result = manage(
        "shell", "-c", script, DATABASE_URL=database_url_of_test_database(), **PRODUCTION
    )
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("cookies:")]
    assert line.split()[1:] == [
        "__Host-session", "__Host-csrftoken", "True", "True", "None", "None", "/", "/",
    ]  # fmt: skip
