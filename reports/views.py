"""The partnership dashboards: aggregates only, for a period and some agencies."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from agencies.access import agency_ids_with
from agencies.access_log import access_log_record
from agencies.decorators import capability_required
from agencies.models import AccessLogEntry
from agencies.roles import Capability
from reports import problem_profile as profile
from reports import selectors
from reports.forms import DashboardFilterForm, default_period
from reports.scope import DashboardScope, dashboard_agencies, dashboard_scope


def _filtered(request: HttpRequest) -> tuple[DashboardFilterForm, DashboardScope | None, object]:
    """The filter as asked for (defaults where nothing was), and the scope it gives."""
    scopes = dashboard_agencies(request.user)
    if not scopes:
        raise Http404("No such page")
    start, end = default_period(timezone.localdate())
    data = request.GET.copy()
    for key, value in (
        ("partnership", next(iter(scopes)).code),
        ("start", start.isoformat()),
        ("end", end.isoformat()),
    ):
        if not data.get(key):
            data[key] = value
    form = DashboardFilterForm(data=data, scopes=scopes)
    if not form.is_valid():
        return form, None, None
    scope = dashboard_scope(request.user, form.cleaned_data["partnership"], form.chosen_agencies())
    period = selectors.Period(form.cleaned_data["start"], form.cleaned_data["end"])
    return form, scope, period


def _page(request, template: str, **context) -> HttpResponse:
    form, scope, period = _filtered(request)
    status = 200 if scope else 400
    return render(
        request,
        template,
        {"form": form, "scope": scope, "period": period, "query": request.GET.urlencode()}
        | (context["tables"](scope, period) if scope else {}),
        status=status,
    )


@require_GET
@capability_required(Capability.VIEW_DASHBOARDS)
def dashboard(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        "reports/dashboard.html",
        tables=lambda scope, period: {"tables": selectors.dashboard_tables_kept(scope, period)},
    )


@require_GET
@capability_required(Capability.VIEW_DASHBOARDS)
def data_quality(request: HttpRequest) -> HttpResponse:
    def tables(scope, period) -> dict:
        editable = [
            pk for pk in agency_ids_with(request.user, Capability.EDIT_RECORDS)
            if pk in scope.agency_ids
        ]  # fmt: skip
        to_fix = (
            selectors.records_to_fix(user=request.user, scope=scope, agency_ids=editable)
            if editable
            else []
        )
        return {
            "tables": [
                *selectors.data_quality_by_agency(scope, period),
                selectors.data_quality_trend(scope, period),
            ],
            "may_fix": bool(editable),
            "to_fix": to_fix,
        }

    return _page(request, "reports/data_quality.html", tables=tables)


@require_GET
@capability_required(Capability.VIEW_DASHBOARDS)
def table_csv(request: HttpRequest, slug: str) -> HttpResponse:
    form, scope, period = _filtered(request)
    if scope is None:
        return render(request, "reports/dashboard.html", {"form": form}, status=400)
    table = selectors.table_by_slug(slug, scope, period)
    if table is None:
        raise Http404("No such table")
    access_log_record(
        user=request.user,
        agency_id=agency_ids_with(request.user, Capability.VIEW_DASHBOARDS)[0],
        action=AccessLogEntry.Action.EXPORT,
        record_type="dashboard table",
        detail={
            "table": slug,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "agencies": [agency.code for agency in scope.agencies],
            "suppressed": not scope.exact,
        },
    )
    response = HttpResponse(table.csv(), content_type="text/csv; charset=utf-8")
    filename = f"{slug}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@capability_required(Capability.VIEW_DASHBOARDS)
def problem_profile(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        "reports/problem_profile.html",
        tables=lambda scope, period: {
            "sections": profile.problem_profile(scope, period),
            "printed_at": timezone.now(),
        },
    )


@require_GET
@capability_required(Capability.VIEW_DASHBOARDS)
def problem_profile_pdf(request: HttpRequest) -> HttpResponse:
    form, scope, period = _filtered(request)
    if scope is None:
        return render(request, "reports/problem_profile.html", {"form": form}, status=400)
    sections = profile.problem_profile(scope, period)
    access_log_record(
        user=request.user,
        agency_id=agency_ids_with(request.user, Capability.VIEW_DASHBOARDS)[0],
        action=AccessLogEntry.Action.EXPORT,
        record_type="problem profile",
        detail={
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "agencies": [agency.code for agency in scope.agencies],
            "suppressed": not scope.exact,
        },
    )
    content = profile.problem_profile_pdf(scope=scope, period=period, sections=sections)
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"problem-profile-{period.start:%Y%m%d}-{period.end:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
