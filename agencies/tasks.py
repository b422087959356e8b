"""Background tasks of the agencies app."""

from __future__ import annotations

from celery import shared_task

from agencies.services import password_reset_email_deliver


@shared_task(
    time_limit=60,
    soft_time_limit=45,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def password_reset_email_send(user_id: int) -> None:
    """E-mail a password link (made now, so a retry sends a link that still works)."""
    password_reset_email_deliver(user_id=user_id)
