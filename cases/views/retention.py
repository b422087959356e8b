"""Retention review: the CSE lead of the holding agency decides, for each record whose review is
due, to keep it until a new date or to archive it. Nothing is deleted (docs/operations.md)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from agencies import access
from agencies.decorators import capability_required
from agencies.roles import Capability
from cases import selectors, services
from cases.forms import RetentionDecisionForm
from cases.models import Case, Person
from core.services import RecordBusy

RECORDS = {
    "cases": Case.objects.select_related("child"),
    "people": Person.objects.filter(merged_into__isnull=True),
}


@capability_required(Capability.REVIEW_RETENTION)
def review_list(request: HttpRequest) -> HttpResponse:
    agency_ids = access.agency_ids_with(request.user, Capability.REVIEW_RETENTION)
    due = selectors.retention_reviews_due(user=request.user, agency_ids=agency_ids)
    return render(request, "cases/retention_list.html", {"due": due})


@require_http_methods(["GET", "POST"])
def review_decide(request: HttpRequest, kind: str, public_id) -> HttpResponse:
    if kind not in RECORDS:
        raise Http404("No such page")
    record = access.get_visible_or_404(
        request, RECORDS[kind].filter(archived_at__isnull=True), public_id
    )
    # Only the holding agency decides what happens to its record.
    if record.owner_agency_id not in access.agency_ids_with(
        request.user, Capability.REVIEW_RETENTION
    ):
        raise Http404("No such record")
    form = RetentionDecisionForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.retention_review_decide(
                record=record,
                keep=data["decision"] == "keep",
                reason=data["reason"],
                next_review_on=data["next_review_on"],
                by=request.user,
            )
        except services.RetentionRefused as refusal:
            form.add_error("decision", str(refusal))
        except RecordBusy:
            form.add_error(None, "This record is being saved by someone else: try again soon")
        else:
            messages.success(
                request, "Record kept" if data["decision"] == "keep" else "Record archived"
            )
            return redirect("cases:retention-list")
    return render(
        request,
        "cases/retention_decide.html",
        {
            "record": record,
            "kind": kind,
            "form": form,
            "due_on": selectors.retention_review_due_on(record),
        },
    )
