"""Background tasks of the agencies app."""

from __future__ import annotations

from celery import shared_task

from agencies.access_log import access_log_anchor


@shared_task(time_limit=120, soft_time_limit=100, ignore_result=True)
def access_log_anchor_record() -> None:
    """Scheduled hourly by beat: anchor the access log's head outside the database."""
    access_log_anchor()
