"""Writes of the core app."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.models import WorkerHeartbeat


@transaction.atomic
def worker_heartbeat_record(*, worker: str, at: datetime | None = None) -> WorkerHeartbeat:
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        worker=worker, defaults={"seen_at": at or timezone.now()}
    )
    return heartbeat


@transaction.atomic
def task_complete(*, task, by) -> None:
    task.status = task.Status.DONE
    task.done_at = timezone.now()
    task.done_by = by
    task.save(update_fields=["status", "done_at", "done_by"])
