"""The background worker as it runs in production: a separate process on the real broker."""

import pytest

from core.models import WorkerHeartbeat
from core.tasks import worker_heartbeat
from tests.conftest import wait_for

pytestmark = pytest.mark.worker


def test_a_real_worker_runs_the_heartbeat_and_health_reports_it(celery_worker_process, client):
    assert client.get("/health/").json()["worker"] == "not seen"

    worker_heartbeat.delay()

    assert wait_for(WorkerHeartbeat.objects.exists), "the worker did not run the task"
    assert client.get("/health/").json()["worker"] == "ok"
