import json

import pytest

from tests.conftest import database_url_of_test_database
from tests.core.test_configuration import manage

pytestmark = [pytest.mark.django_db, pytest.mark.server]


def test_health_reports_database_and_broker_without_signing_in(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "ok"


def test_healthcheck_command_fails_when_the_broker_cannot_be_reached():
    # Port 9 (discard) on loopback: nothing listens there, so the connection is refused.
    result = manage(
        "healthcheck",
        DATABASE_URL=database_url_of_test_database(),
        CELERY_BROKER_URL="redis://127.0.0.1:9/0",
        SECRET_KEY="s" * 50,
    )
    assert result.returncode == 1
    assert json.loads(result.stdout.splitlines()[0]) == {"database": "ok", "broker": "unavailable"}


def test_healthcheck_command_succeeds_when_all_is_well():
    result = manage(
        "healthcheck", DATABASE_URL=database_url_of_test_database(), SECRET_KEY="s" * 50
    )
    assert result.returncode == 0, result.stderr
