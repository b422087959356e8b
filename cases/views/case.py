"""A child's case: summary, change history, and sharing with other agencies."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from agencies import access
from agencies.decorators import recent_authentication_required
from agencies.models import Agency
from agencies.roles import Capability
from cases.forms import ShareForm, UnshareForm
from cases.history import history_changes
from cases.models import Case

CASES = Case.objects.select_related("child", "owner_agency")


def _case_for(request: HttpRequest, public_id, capability: Capability) -> Case:
    """The case if the user may see it and holds `capability` for it; 404 otherwise."""
    case = access.get_visible_or_404(request, CASES, public_id)
    if not access.can(request.user, capability, case):
        raise Http404("No such record")
    return case


def case_detail(request: HttpRequest, public_id) -> HttpResponse:
    case = _case_for(request, public_id, Capability.VIEW_RECORDS)
    access.log_view(request, case)
    shared_with = Agency.objects.filter(id__in=access.shared_agency_ids(case))
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "shared_with": shared_with,
            "may_share": access.can(request.user, Capability.SHARE_RECORDS, case),
        },
    )


def case_history(request: HttpRequest, public_id) -> HttpResponse:
    case = _case_for(request, public_id, Capability.VIEW_RECORDS)
    access.log_view(request, case)
    return render(
        request, "cases/case_history.html", {"case": case, "changes": history_changes(case)}
    )


def _share_candidates(case: Case):
    excluded = access.shared_agency_ids(case) | {case.owner_agency_id}
    partnerships = case.owner_agency.partnerships.all()
    return (
        Agency.objects.filter(partnerships__in=partnerships, is_active=True)
        .exclude(id__in=excluded)
        .distinct()
    )


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def case_share(request: HttpRequest, public_id) -> HttpResponse:
    case = _case_for(request, public_id, Capability.SHARE_RECORDS)
    form = ShareForm(data=request.POST or None, agencies=_share_candidates(case))
    if request.method == "POST" and form.is_valid():
        agency = form.cleaned_data["agency"]
        access.record_share(
            record=case, agency=agency, reason=form.cleaned_data["reason"], by=request.user
        )
        messages.success(request, f"The case has been shared with {agency.name}")
        return redirect("cases:case-detail", public_id=case.public_id)
    return render(request, "cases/case_share.html", {"case": case, "form": form})


@require_POST
@recent_authentication_required
def case_unshare(request: HttpRequest, public_id, agency_id) -> HttpResponse:
    case = _case_for(request, public_id, Capability.SHARE_RECORDS)
    agency = get_object_or_404(
        Agency.objects.filter(id__in=access.shared_agency_ids(case)), public_id=agency_id
    )
    form = UnshareForm(data=request.POST)
    if not form.is_valid():
        return render(
            request,
            "cases/case_unshare.html",
            {"case": case, "agency": agency, "form": form},
        )
    access.record_unshare(
        record=case, agency=agency, reason=form.cleaned_data["reason"], by=request.user
    )
    messages.success(request, f"The share with {agency.name} has been withdrawn")
    return redirect("cases:case-detail", public_id=case.public_id)
