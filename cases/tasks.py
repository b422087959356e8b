"""Background tasks of the cases app."""

from __future__ import annotations

from celery import shared_task

from cases.services import suggestion_run_compute as compute


@shared_task(time_limit=900, soft_time_limit=840, ignore_result=True)
def suggestion_run_compute(run_id: int) -> None:
    """Find the suggested networks of one run (large graphs only; small ones are found while
    the page is asked for)."""
    compute(run_id=run_id)
