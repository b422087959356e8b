from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
import uuid
from importlib import import_module
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client

from config.celery import app as celery_app
from tests.factories import TEST_PASSWORD, enrol_totp, totp_code

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path) -> None:
    settings.ACCESS_LOG_ANCHOR_FILE = tmp_path / "access-log-anchors.jsonl"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The suite talks plain HTTP; production's HTTPS settings are checked by `check --deploy`.
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        # Export files each test writes go to its own folder, never to var/media.
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _background_tasks_run_in_process():
    """Tasks run in the test's own process unless a test starts a real worker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request) -> None:
    """Transactional tests end by emptying every table, which also removes what the data
    migrations loaded (the shipped indicator set, the exploitation flag types). Put it back for
    the next such test."""
    if "transactional_db" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    from indicators.models import IndicatorSet
    from indicators.services import indicator_set_load, shipped_set_data

    if not IndicatorSet.objects.exists():
        indicator_set_load(data=shipped_set_data())
    from django.apps import apps

    from interventions.models import FlagType

    if not FlagType.objects.exists():
        import_module("interventions.migrations.0002_seed_flag_types").seed(apps, None)


WORKER_FIXTURES = {"celery_worker_process", "celery_prefork_worker"}


def pytest_collection_modifyitems(config, items) -> None:
    """A test with a real worker is marked `worker` and `server`, whatever its module says, so
    that `-m server` (.ci/run's second run) cannot miss one."""
    for item in items:
        if WORKER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.worker)
            item.add_marker(pytest.mark.server)


def sign_in(client: Client, user) -> Client:
    """Sign in as a person would: the sign-in form, then a code from the authenticator app."""
    device = enrol_totp(user)
    response = client.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/two-factor/verify/"
    response = client.post("/two-factor/verify/", {"code": totp_code(device)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def without_csrf_token(response) -> str:
    """A page's HTML without its CSRF token, which differs on every render."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def database_url_of_test_database() -> str:
    """A DATABASE_URL naming the test database this process uses (for worker processes)."""
    db = connection.settings_dict
    host = quote(db["HOST"] or "localhost", safe="")
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{credentials}@{host}{port}/{db['NAME']}"


@contextlib.contextmanager
def _worker_process(tmp_path, pool: list[str]):
    from django.conf import settings

    queue = f"test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_database(),
        # Tasks the worker enqueues itself go to the same private queue.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        # Files the worker writes land where the test's web requests read them.
        "MEDIA_DIR": str(settings.STORAGES["default"]["OPTIONS"]["location"]),
    }
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    celery_app.conf.task_always_eager = False
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                *pool,
                "--queues",
                queue,
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while " ready." not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The Celery worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield process
    finally:
        celery_app.conf.task_default_queue = previous_queue
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real Celery worker process on the configured broker (Redis on CI, the file-system
    broker locally), consuming a queue of its own so parallel test runs never share tasks."""
    with _worker_process(tmp_path, ["--pool=solo"]) as process:
        yield process


@pytest.fixture
def celery_prefork_worker(transactional_db, tmp_path):
    """As `celery_worker_process`, with two child processes taking tasks at the same time,
    as production runs it (docker-compose.yml: --concurrency=2)."""
    with _worker_process(tmp_path, ["--pool=prefork", "--concurrency=2"]) as process:
        yield process


def wait_for(condition, timeout: float = 30.0, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


@contextlib.contextmanager
def table_locked(model):
    """Hold an exclusive lock on the model's table from a connection of the test's own, so that
    a worker is caught mid-job when it reaches that table; released on leaving."""
    from django.db import connections

    blocker = connections.create_connection("default")
    blocker.set_autocommit(False)
    try:
        with blocker.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {model._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        yield
    finally:
        blocker.rollback()
        blocker.close()
