"""Background tasks of the core app."""

from __future__ import annotations

import socket

from celery import shared_task

from core.services import task_email_deliver, task_emails_unsent, worker_heartbeat_record


@shared_task(time_limit=30, soft_time_limit=20, ignore_result=True)
def worker_heartbeat() -> None:
    """Scheduled every minute by beat: proves to /health/ that a worker is taking tasks."""
    worker_heartbeat_record(worker=socket.gethostname())


@shared_task(
    bind=True,
    time_limit=60,
    soft_time_limit=45,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    ignore_result=True,
)
def task_email_send(self, task_id: int) -> None:
    """E-mail the people a task is for. Retried with back-off if the mail server fails; the
    workflow that made the task has already committed and never waits for this."""
    task_email_deliver(task_id=task_id)


@shared_task(time_limit=300, soft_time_limit=240, ignore_result=True)
def task_emails_resend() -> None:
    """Scheduled by beat: enqueue again every e-mail still unsent. Sending is idempotent
    (`emailed_at` under a row lock), so a task e-mailed meanwhile is not sent twice."""
    for task_id in task_emails_unsent():
        task_email_send.delay(task_id)
