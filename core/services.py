"""Writes of the core app."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from core.models import Task, WorkerHeartbeat


class EditConflict(Exception):
    """The record changed after the form was shown; `current` is what is saved now."""

    def __init__(self, current) -> None:
        super().__init__("The record was changed by someone else")
        self.current = current


class RecordBusy(Exception):
    """The record is locked by a longer write (an import) than a page may wait for."""


# How long a save waits for another write of the same record before giving up: long enough for
# a colleague's save, short enough that a page never hangs behind an import.
EDIT_LOCK_TIMEOUT = "5s"


def record_lock_for_edit(*, record, expected_version: int | None) -> None:
    """Lock the record's row for the rest of the transaction and re-read it, so that the
    caller's changes are applied to what is saved now, not to the copy it loaded earlier.
    Refuse the edit, changing nothing, when the row is no longer the version the form was
    filled in from. Two people saving at the same moment are serialised by the lock, so the
    second always sees the first."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{EDIT_LOCK_TIMEOUT}'")
    try:
        record.refresh_from_db(from_queryset=type(record)._base_manager.select_for_update())
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == "55P03":  # lock_not_available
            raise RecordBusy from error
        raise
    if expected_version is not None and record.version != expected_version:
        raise EditConflict(record)


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


@transaction.atomic
def task_create(
    *, kind: str, agency_id: int, role: str, title: str, subject: dict, user=None
) -> Task:
    """Put a task on the list of everyone holding `role` in the agency, or of one `user` of
    it, and e-mail them (in the background, once the transaction commits; the e-mail names
    nobody)."""
    from core.tasks import task_email_send

    task = Task.objects.create(
        kind=kind, agency_id=agency_id, role=role, title=title, subject=subject, user=user
    )
    # robust: a broker that cannot be reached must not turn a saved action into an error page;
    # the task is on the list whatever happens to its e-mail.
    transaction.on_commit(lambda: task_email_send.delay(task.pk), robust=True)
    return task


def task_email_deliver(*, task_id: int) -> bool:
    """Send the task's e-mail to the people it is for; False if it had already been sent."""
    from agencies.models import Membership

    with transaction.atomic():
        task = Task.objects.select_for_update().filter(pk=task_id).first()
        if task is None or task.emailed_at is not None:
            return False
        members = Membership.objects.filter(
            agency_id=task.agency_id, is_active=True, user__is_active=True
        )
        members = (
            members.filter(user_id=task.user_id) if task.user_id else members.filter(role=task.role)
        )
        recipients = sorted(set(members.values_list("user__email", flat=True)))
        if recipients:
            link = settings.SITE_URL + reverse("core:task-detail", args=[task.public_id])
            send_mail(
                subject=f"{settings.SERVICE_NAME}: {task.title}",
                message=(
                    f"{task.title}.\n\nSign in to see it: {link}\n\n"
                    "This e-mail deliberately contains no personal details."
                ),
                from_email=None,
                recipient_list=recipients,
            )
        task.emailed_at = timezone.now()
        task.save(update_fields=["emailed_at"])
    return True


def task_emails_unsent(*, now: datetime | None = None) -> list[int]:
    """Tasks whose e-mail has not gone after its own retries had their chance (a broker that
    was down when the task was made, or a mail server down for longer than the back-off), up
    to three days old: after that the in-app task list is the reminder."""
    now = now or timezone.now()
    return list(
        Task.objects.filter(
            status=Task.Status.OPEN,
            emailed_at__isnull=True,
            created_at__lt=now - timedelta(minutes=10),
            created_at__gte=now - timedelta(days=3),
        ).values_list("pk", flat=True)
    )
