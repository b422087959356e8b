"""Returns and exports produced in the background: asked for, run by the worker with progress,
kept for `EXPORT_KEPT_FOR`, downloaded only by the person who asked, each download logged."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from agencies.access import agency_ids_with
from agencies.access_log import access_log_record
from agencies.models import AccessLogEntry, Agency, Partnership, User
from agencies.roles import Capability
from reports.ceop import ceop_return
from reports.ceop_workbook import ceop_workbook
from reports.models import ExportJob, ReturnSchedule
from reports.scope import partnership_agencies
from reports.template_export import template_csv_zip, template_rows, template_workbook

K = ExportJob.Kind
S = ExportJob.Status


def return_scopes(user: User) -> dict[Partnership, list[Agency]]:
    """Per partnership, the agencies the user may run returns for: every agency of a
    partnership where they also see the partnership's dashboards (the safeguarding lead),
    otherwise the agencies where they hold the capability (a CSE lead: their own)."""
    return partnership_agencies(user, Capability.EXPORT_RETURNS)


def export_request(
    *, kind: str, start: date, end: date, agencies: list[Agency], by: User
) -> ExportJob:
    """Record what was asked and hand it to the worker once this transaction commits."""
    from reports.tasks import export_run as export_task

    job = ExportJob.objects.create(
        kind=kind,
        requested_by=by,
        parameters={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "agency_codes": sorted(agency.code for agency in agencies),
            "agency_ids": sorted(agency.pk for agency in agencies),
        },
        created_by=by,
        modified_by=by,
    )
    transaction.on_commit(lambda: export_task.delay(job.pk), robust=True)
    return job


# The tasks' hard time limits (reports.tasks). A job still running after its limit and a
# minute more has lost its worker (killed, or its machine stopped): no worker will finish it.
EXPORT_TIME_LIMIT = 1800
IMPORT_TIME_LIMIT = 3600
STALLED_MARGIN = timedelta(minutes=1)
STALLED_EXPORT = (
    "The background service stopped while producing this. Nothing was kept: ask for it again."
)
STALLED_IMPORT = (
    "The background service stopped before the import finished. Nothing was imported: upload "
    "the file again."
)


def jobs_stalled_fail(*, now: datetime | None = None) -> tuple[int, int]:
    """Mark failed every export and import whose worker stopped in the middle (an export
    past its time limit, an import no process holds any more). An export's
    file is written only when it is complete, and an import writes in one transaction that
    PostgreSQL rolled back when the worker's connection dropped, so nothing half-made is kept
    or shown; the person sees why and can ask again. Returns the counts."""
    from reports.models import TemplateImport
    from reports.template_import import import_run_alive

    now = now or timezone.now()
    exports = ExportJob.objects.filter(
        status=S.RUNNING,
        started_at__lt=now - timedelta(seconds=EXPORT_TIME_LIMIT) - STALLED_MARGIN,
    ).update(status=S.FAILED, error=STALLED_EXPORT, progress_note="", finished_at=now)
    running = [TemplateImport.Status.CHECKING, TemplateImport.Status.WRITING]
    imports = 0
    for record in TemplateImport.objects.filter(status__in=running):
        # An import is judged by whether its process still holds it, not by its age: a
        # large import from the command line may rightly run for hours.
        if import_run_alive(import_id=record.pk):
            continue
        # Only if it is still the same stalled run (a conditional update, no stale save).
        marked = TemplateImport.objects.filter(
            pk=record.pk, status__in=running, started_at=record.started_at
        ).update(
            status=TemplateImport.Status.FAILED, finished_at=now, error_count=1,
            errors=[{"sheet": "", "row": 0, "column": "", "value": record.filename,
                     "expected": STALLED_IMPORT}],
        )  # fmt: skip
        if marked:
            # The uploaded file holds personal data: kept only while it is being imported.
            record.file.delete(save=False)
            TemplateImport.objects.filter(pk=record.pk).update(file="")
            imports += 1
    return exports, imports


# A job still waiting this long after it was asked for was never delivered to a worker: the
# broker was unavailable when it was enqueued (enqueueing is `robust`, so the page still
# answered), or the message was lost.
# Each job is sent again at most once in this time, so a job that is only waiting behind long
# ones gets a few extra messages an hour, not one at every check.
WAITING_RESEND_AFTER = timedelta(minutes=10)


def jobs_waiting_resend(*, now: datetime | None = None) -> tuple[int, int]:
    """Enqueue again every export and template import still waiting to start. A job is taken
    only while it is queued, so one enqueued twice still runs once. Returns the counts."""
    from reports.models import TemplateImport
    from reports.tasks import export_run as export_task
    from reports.tasks import template_import_run as import_task

    now = now or timezone.now()
    before = now - WAITING_RESEND_AFTER
    exports = list(
        ExportJob.objects.filter(status=ExportJob.Status.QUEUED, modified_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    imports = list(
        TemplateImport.objects.filter(status=TemplateImport.Status.QUEUED, modified_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # Marks when each was last sent (a job is taken only while queued, so this never hides
    # a running one).
    ExportJob.objects.filter(pk__in=exports).update(modified_at=now)
    TemplateImport.objects.filter(pk__in=imports).update(modified_at=now)
    for pk in exports:
        export_task.delay(pk)
    for pk in imports:
        import_task.delay(pk)
    return len(exports), len(imports)


def _progress(job_id: int, percent: int, note: str) -> None:
    ExportJob.objects.filter(pk=job_id).update(progress=percent, progress_note=note)


def export_run(*, job_id: int) -> None:
    """Produce the job's file. Only a queued job is taken, so a job delivered twice runs once."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != S.QUEUED:
            return
        job.status, job.started_at = S.RUNNING, timezone.now()
        job.progress, job.progress_note = 5, "Started"
        job.save(update_fields=["status", "started_at", "progress", "progress_note"])
    try:
        content, filename = _produce(job)
        job.refresh_from_db()
        # The stored name is opaque; the name offered on download says what it is.
        job.file.save(f"{job.public_id}{filename[filename.rindex('.') :]}", ContentFile(content))
        job.filename, job.size = filename, len(content)
        job.status, job.progress, job.progress_note = S.DONE, 100, "Ready"
        job.finished_at = timezone.now()
        job.expires_at = job.finished_at + settings.EXPORT_KEPT_FOR
        job.save()
    except Exception:
        ExportJob.objects.filter(pk=job_id).update(
            status=S.FAILED,
            finished_at=timezone.now(),
            error="The export could not be produced. Ask for it again; if it fails again, "
            "tell the service desk.",
        )
        raise


def _produce(job: ExportJob) -> tuple[bytes, str]:
    parameters = job.parameters
    start, end = date.fromisoformat(parameters["start"]), date.fromisoformat(parameters["end"])
    period = f"{parameters['start']}-to-{parameters['end']}"
    if job.kind in (K.TEMPLATE_XLSX, K.TEMPLATE_ZIP):
        _progress(job.pk, 10, "Reading the records you may see")
        tables = template_rows(
            user=job.requested_by,
            start=start,
            end=end,
            agencies=list(Agency.objects.filter(pk__in=parameters["agency_ids"])),
        )
        _progress(job.pk, 70, "Writing the file")
        if job.kind == K.TEMPLATE_XLSX:
            return template_workbook(tables), f"partnership-data-{period}.xlsx"
        return template_csv_zip(tables), f"partnership-data-{period}.zip"
    _progress(job.pk, 10, "Counting victims, suspects and networks")
    data = ceop_return(
        start=start,
        end=end,
        agency_codes=parameters["agency_codes"],
        agency_ids=parameters["agency_ids"],
    )
    _progress(job.pk, 80, "Writing the file")
    if job.kind == K.CEOP_RETURN_XLSX:
        return ceop_workbook(data), f"ceop-return-{period}.xlsx"
    return (json.dumps(data, indent=2) + "\n").encode(), f"ceop-return-{period}.json"


def export_download(*, job: ExportJob, by: User) -> None:
    """Log the download (DPA 2018 s.62: a disclosure) before the file is handed over."""
    memberships = agency_ids_with(by, Capability.EXPORT_RETURNS)
    access_log_record(
        user=by,
        agency_id=memberships[0] if memberships else None,
        action=AccessLogEntry.Action.EXPORT,
        record_type="export",
        detail={
            "kind": job.kind,
            "job": str(job.public_id),
            "period": [job.parameters["start"], job.parameters["end"]],
            "agencies": job.parameters["agency_codes"],
        },
    )


def exports_expire(*, now=None) -> int:
    """Delete the files of exports past their time; the job stays, marked expired."""
    now = now or timezone.now()
    expired = 0
    for job in ExportJob.objects.filter(status=S.DONE, expires_at__lt=now):
        job.file.delete(save=False)
        job.status, job.file = S.EXPIRED, ""
        job.save(update_fields=["status", "file", "modified_at"])
        expired += 1
    return expired


def previous_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


@transaction.atomic
def return_schedule_create(*, kind: str, agencies: list[Agency], by: User) -> ReturnSchedule:
    return ReturnSchedule.objects.create(
        requested_by=by,
        kind=kind,
        parameters={
            "agency_codes": sorted(agency.code for agency in agencies),
            "agency_ids": sorted(agency.pk for agency in agencies),
        },
        created_by=by,
        modified_by=by,
    )


@transaction.atomic
def return_request(
    *, kind: str, start: date, end: date, agencies: list[Agency], monthly: bool, by: User
) -> ExportJob:
    """Ask for a return now and, when `monthly`, for last month's every month from now on:
    both are kept, or neither. The worker is handed the job once this transaction commits."""
    job = export_request(kind=kind, start=start, end=end, agencies=agencies, by=by)
    if monthly:
        return_schedule_create(kind=kind, agencies=agencies, by=by)
    return job


@transaction.atomic
def return_schedule_stop(*, schedule: ReturnSchedule, by: User) -> None:
    schedule.is_active, schedule.modified_by = False, by
    schedule.save(update_fields=["is_active", "modified_by", "modified_at"])


def returns_scheduled_produce(*, today: date | None = None) -> int:
    """Run by beat daily: ask for last month's return of every active schedule not yet done
    for that month (once each, under a row lock), and e-mail its owner when it is asked for.
    A schedule whose owner no longer holds the capability is stopped, not run."""
    start, end = previous_month(today or timezone.localdate())
    produced = 0
    for schedule_id in ReturnSchedule.objects.filter(is_active=True).values_list("pk", flat=True):
        with transaction.atomic():
            schedule = (
                ReturnSchedule.objects.select_for_update()
                .select_related("requested_by")
                .get(pk=schedule_id)
            )
            if schedule.last_month == start or not schedule.is_active:
                continue
            owner = schedule.requested_by
            allowed = {a.pk for scope in return_scopes(owner).values() for a in scope}
            agencies = list(Agency.objects.filter(pk__in=schedule.parameters["agency_ids"]))
            if not owner.is_active or not agencies or any(a.pk not in allowed for a in agencies):
                schedule.is_active = False
                schedule.save(update_fields=["is_active", "modified_at"])
                continue
            export_request(kind=schedule.kind, start=start, end=end, agencies=agencies, by=owner)
            schedule.last_month = start
            schedule.save(update_fields=["last_month", "modified_at"])
            transaction.on_commit(
                lambda email=owner.email: send_mail(
                    subject="Your monthly return is being produced",
                    message=(
                        f"The return for {start:%B %Y} has been asked for and will be ready to "
                        f"download from the Returns page shortly: {settings.SITE_URL}/returns/\n"
                    ),
                    from_email=None,
                    recipient_list=[email],
                ),
                robust=True,
            )
            produced += 1
    return produced
