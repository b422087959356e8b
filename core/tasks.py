"""Background tasks of the core app."""

from __future__ import annotations

import socket

from celery import shared_task

from core.services import worker_heartbeat_record


@shared_task(time_limit=30, soft_time_limit=20, ignore_result=True)
def worker_heartbeat() -> None:
    """Scheduled every minute by beat: proves to /health/ that a worker is taking tasks."""
    worker_heartbeat_record(worker=socket.gethostname())
