"""Victim support through the justice process, on the child's case."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from agencies.models import Agency
from agencies.roles import Capability
from cases.views.case import case_for
from core.edits import edit_save, edit_version_add
from interventions import selectors, services
from interventions.forms import CourtDateForm, VictimSupportForm
from interventions.models import CourtDate

SUPPORT_FIELDS = list(VictimSupportForm.base_fields)


def _partnership_agencies(case):
    return (
        Agency.objects.filter(partnerships__in=case.owner_agency.partnerships.all())
        .filter(is_active=True)
        .distinct()
        .order_by("name")
    )


@require_http_methods(["GET", "POST"])
def victim_support_edit(request: HttpRequest, public_id) -> HttpResponse:
    case = case_for(request, public_id, Capability.EDIT_RECORDS)
    support = selectors.victim_support_of(case)
    if support is not None:
        initial = {name: getattr(support, name) for name in SUPPORT_FIELDS}
        if support.support_worker_agency_id:
            initial["support_worker_agency"] = support.support_worker_agency.public_id
    else:
        initial = {}
    form = VictimSupportForm(
        data=request.POST if request.method == "POST" else None,
        initial=initial,
        agencies=_partnership_agencies(case),
    )
    # 0 while the case has no support record yet: it is made at the first save.
    edit_version_add(form, support, version=None if support else services.NEW_RECORD_VERSION)
    conflict = None
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in SUPPORT_FIELDS}
        conflict = edit_save(
            form=form,
            save=lambda version: services.victim_support_update(
                case=case, changes=changes, by=request.user, expected_version=version
            ),
        )
        if conflict is None:
            messages.success(request, "Support through the justice process saved")
            return redirect("cases:case-detail", public_id=case.public_id)
    return render(
        request,
        "interventions/victim_support_edit.html",
        {"case": case, "form": form, "conflict": conflict},
    )


@require_http_methods(["GET", "POST"])
def court_date_new(request: HttpRequest, public_id) -> HttpResponse:
    case = case_for(request, public_id, Capability.EDIT_RECORDS)
    form = CourtDateForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.court_date_add(case=case, **form.cleaned_data, by=request.user)
        messages.success(request, "Court date added")
        return redirect("cases:case-detail", public_id=case.public_id)
    return render(request, "interventions/court_date_form.html", {"case": case, "form": form})


@require_POST
def court_date_remove(request: HttpRequest, public_id) -> HttpResponse:
    court_date = (
        CourtDate.objects.select_related("victim_support__case")
        .filter(public_id=public_id, archived_at__isnull=True)
        .first()
    )
    if court_date is None:
        raise Http404("No such record")
    case = case_for(request, court_date.victim_support.case.public_id, Capability.EDIT_RECORDS)
    services.court_date_remove(court_date=court_date, by=request.user)
    messages.success(request, "Court date removed")
    return redirect("cases:case-detail", public_id=case.public_id)
