"""Background tasks of the reports app."""

from __future__ import annotations

from celery import shared_task

from reports.exports import (
    EXPORT_TIME_LIMIT,
    IMPORT_TIME_LIMIT,
    exports_expire,
    jobs_stalled_fail,
    jobs_waiting_resend,
)
from reports.exports import export_run as run


@shared_task(
    time_limit=EXPORT_TIME_LIMIT, soft_time_limit=EXPORT_TIME_LIMIT - 60, ignore_result=True
)
def export_run(job_id: int) -> None:
    """Produce one export (re-reads the job; a job already taken is left alone)."""
    run(job_id=job_id)


@shared_task(time_limit=300, soft_time_limit=240, ignore_result=True)
def exports_expire_old() -> None:
    """Scheduled hourly by beat: delete export files past their time."""
    exports_expire()


@shared_task(
    time_limit=IMPORT_TIME_LIMIT, soft_time_limit=IMPORT_TIME_LIMIT - 60, ignore_result=True
)
def template_import_run(import_id: int) -> None:
    """Check and then write one uploaded template (re-reads the import; taken once)."""
    from reports.template_import import template_import_run as run_import

    run_import(import_id=import_id)


@shared_task(time_limit=600, soft_time_limit=540, ignore_result=True)
def returns_scheduled() -> None:
    """Scheduled daily by beat: produce last month's scheduled returns not yet produced."""
    from reports.exports import returns_scheduled_produce

    returns_scheduled_produce()


@shared_task(time_limit=120, soft_time_limit=100, ignore_result=True)
def jobs_waiting_resend_all() -> None:
    """Scheduled by beat: enqueue again the exports and imports that never reached a worker
    (for example while the broker was down), so that they start once it is back; and mark
    failed, with a message, those whose worker stopped in the middle."""
    jobs_stalled_fail()
    jobs_waiting_resend()
