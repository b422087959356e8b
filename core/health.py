"""Checks behind the health endpoint: the database and the Celery broker answer."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from core.models import WorkerHeartbeat

WORKER_STALE_AFTER = timedelta(minutes=3)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.HEALTH_CHECK_TIMEOUT)
        return True
    except Exception:
        return False


def worker_status() -> str:
    """Informational: a worker that has not beaten for 3 minutes is reported as stale."""
    try:
        latest = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True)
        seen_at = latest.first()
    except Exception:
        return "unknown"
    if seen_at is None:
        return "not seen"
    return "ok" if timezone.now() - seen_at < WORKER_STALE_AFTER else "stale"


def health_status() -> dict[str, str]:
    """The database and broker decide health; the worker's state is reported alongside."""
    return {
        "database": "ok" if database_ok() else "unavailable",
        "broker": "ok" if broker_ok() else "unavailable",
    }
