"""Returns: asking for the CEOP-style return, following its progress, and downloading it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.decorators import capability_required, recent_authentication_required
from agencies.roles import Capability
from reports import exports, template
from reports.forms import ReturnRequestForm, TemplateUploadForm, default_period
from reports.models import ExportJob, ReturnSchedule, TemplateImport
from reports.template_import import import_agencies, template_import_start

RUNNING = (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _jobs(request: HttpRequest):
    return ExportJob.objects.filter(requested_by=request.user)[:20]


@capability_required(Capability.EXPORT_RETURNS)
@require_http_methods(["GET", "POST"])
def returns(request: HttpRequest) -> HttpResponse:
    scopes = exports.return_scopes(request.user)
    if not scopes:
        raise Http404("No such page")
    start, end = default_period(timezone.localdate())
    form = ReturnRequestForm(
        data=request.POST if request.method == "POST" else None,
        scopes=scopes,
        initial={"partnership": next(iter(scopes)).code, "start": start, "end": end},
    )
    if request.method == "POST" and form.is_valid():
        exports.return_request(
            kind=form.cleaned_data["format"],
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            agencies=form.chosen_agencies(),
            monthly=form.cleaned_data["monthly"],
            by=request.user,
        )
        messages.success(request, "Your return has been asked for: its progress is shown below")
        return redirect("reports:returns")
    jobs = _jobs(request)
    schedules = ReturnSchedule.objects.filter(requested_by=request.user, is_active=True)
    return render(
        request,
        "reports/returns.html",
        {
            "form": form,
            "jobs": jobs,
            "polling": any(j.status in RUNNING for j in jobs),
            "kept_hours": int(settings.EXPORT_KEPT_FOR.total_seconds() // 3600),
            "schedules": schedules,
        },
    )


@capability_required(Capability.EXPORT_RETURNS)
@require_GET
def return_jobs(request: HttpRequest) -> HttpResponse:
    """The table of the user's returns, which the page asks for again while any is running."""
    jobs = _jobs(request)
    return render(
        request,
        "reports/_return_jobs.html",
        {"jobs": jobs, "polling": any(j.status in RUNNING for j in jobs)},
    )


@capability_required(Capability.EXPORT_RETURNS)
@require_GET
@recent_authentication_required
def return_download(request: HttpRequest, public_id) -> HttpResponse:
    job = ExportJob.objects.filter(
        public_id=public_id, requested_by=request.user, status=ExportJob.Status.DONE
    ).first()
    if job is None or not job.file or job.expires_at <= timezone.now():
        raise Http404("No such file")
    exports.export_download(job=job, by=request.user)
    messages.info(request, "Downloaded. Keep the file only as long as you need it.")
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename)


@require_GET
def template_blank(request: HttpRequest, extension: str) -> HttpResponse:
    """The blank partnership data template: no records, so any signed-in user may have it."""
    if extension == "xlsx":
        content, kind = template.blank_workbook(), XLSX
    elif extension == "zip":
        content, kind = template.blank_csv_zip(), "application/zip"
    else:
        raise Http404("No such file")
    response = HttpResponse(content, content_type=kind)
    name = f"partnership-data-template-v{template.VERSION}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


IMPORT_RUNNING = (
    TemplateImport.Status.QUEUED,
    TemplateImport.Status.CHECKING,
    TemplateImport.Status.WRITING,
)


# GET shows the form too: re-authentication returns here with a GET, before a file is chosen.
@capability_required(Capability.EXPORT_RETURNS)
@require_http_methods(["GET", "POST"])
@recent_authentication_required
def template_upload(request: HttpRequest) -> HttpResponse:
    """Upload a filled-in template; it is checked and imported in the background. An import
    writes records of every agency it names, so it asks for the password and a code again
    after 15 minutes, as exports and shares do."""
    if not import_agencies(request.user):
        raise Http404("No such page")
    form = TemplateUploadForm(
        data=request.POST if request.method == "POST" else None,
        files=request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        record = template_import_start(content=upload.read(), filename=upload.name, by=request.user)
        return redirect("reports:template-import", public_id=record.public_id)
    imports = TemplateImport.objects.filter(requested_by=request.user)[:10]
    return render(
        request,
        "reports/template_upload.html",
        {"form": form, "imports": imports, "agencies": import_agencies(request.user).values()},
    )


@capability_required(Capability.EXPORT_RETURNS)
@require_GET
def template_import(request: HttpRequest, public_id) -> HttpResponse:
    """An import's progress, then what it did or every error that stopped it."""
    record = TemplateImport.objects.filter(public_id=public_id, requested_by=request.user).first()
    if record is None:
        raise Http404("No such import")
    running = record.status in IMPORT_RUNNING
    template_name = (
        "reports/_template_import_status.html"
        if request.headers.get("HX-Request")
        else "reports/template_import.html"
    )
    response = render(request, template_name, {"record": record, "running": running})
    if request.headers.get("HX-Request") and not running:
        response["HX-Refresh"] = "true"
    return response


@capability_required(Capability.EXPORT_RETURNS)
@require_POST
def return_schedule_stop(request: HttpRequest, public_id) -> HttpResponse:
    schedule = ReturnSchedule.objects.filter(
        public_id=public_id, requested_by=request.user, is_active=True
    ).first()
    if schedule is None:
        raise Http404("No such schedule")
    exports.return_schedule_stop(schedule=schedule, by=request.user)
    messages.success(request, "The monthly return has been stopped")
    return redirect("reports:returns")
