"""Risk assessments of a child's case, sign-off, overdue reassessments, and indicator sets."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from agencies import access
from agencies.decorators import capability_required
from agencies.roles import Capability
from cases.views.case import case_for
from core.edits import edit_save, edit_version_add
from indicators import selectors, services
from indicators.forms import AssessmentForm, IndicatorSetUploadForm, SignOffForm
from indicators.models import IndicatorSet, RiskAssessment
from indicators.scoring import band_of_category


def assessment_for(request: HttpRequest, public_id, capability: Capability) -> RiskAssessment:
    assessment = (
        RiskAssessment.objects.select_related("case", "case__child", "indicator_set")
        .filter(public_id=public_id)
        .first()
    )
    if assessment is None:
        raise Http404("No such record")
    case_for(request, assessment.case.public_id, capability)
    return assessment


def _form_page(request, *, case, form, assessment=None, conflict=None) -> HttpResponse:
    screening = form.screening if form.is_bound and hasattr(form, "cleaned_data") else None
    return render(
        request,
        "indicators/assessment_form.html",
        {
            "case": case,
            "form": form,
            "assessment": assessment,
            "screening": screening,
            "indicator_set": form.indicator_set,
            "conflict": conflict,
        },
    )


def _saved_answer(assessment: RiskAssessment, name: str):
    """What the saved assessment holds for a field of AssessmentForm."""
    if not hasattr(assessment, "saved_answers"):
        assessment.saved_answers = {}
        for response in assessment.responses.select_related("indicator"):
            assessment.saved_answers[f"r_{response.indicator.code}"] = response.presence
            assessment.saved_answers[f"e_{response.indicator.code}"] = response.evidence
    if name[:2] in ("r_", "e_"):
        return assessment.saved_answers.get(name)
    return getattr(assessment, name, None)


def _save(request, form, case, assessment=None) -> HttpResponse:
    data = form.cleaned_data
    saved = None

    def save(version: int | None = None):
        nonlocal saved
        saved = services.assessment_save(
            case=case,
            indicator_set=form.indicator_set,
            assessed_on=data["assessed_on"],
            responses=form.responses(),
            judgement=data["judgement"],
            judged_category=data["judged_category"],
            judgement_reason=data["judgement_reason"],
            complete="complete" in request.POST,
            by=request.user,
            assessment=assessment,
            expected_version=version,
        )

    if assessment is None:
        save()
    else:
        # Answers live in their own rows, so any save of the draft by someone else counts.
        conflict = edit_save(
            form=form, save=save, saved_value=_saved_answer, merge_by_history=False
        )
        if conflict is not None:
            return _form_page(
                request, case=case, form=form, assessment=assessment, conflict=conflict
            )
    if saved.status == RiskAssessment.Status.AWAITING_SIGN_OFF:
        messages.success(
            request, "Assessment saved: the lowered category now needs a supervisor's sign-off"
        )
    elif saved.status == RiskAssessment.Status.COMPLETED:
        messages.success(request, f"Assessment completed: category {saved.final_category}")
    else:
        messages.success(request, "Assessment saved as a draft")
    return redirect("indicators:assessment-detail", public_id=saved.public_id)


@require_http_methods(["GET", "POST"])
def assessment_new(request: HttpRequest, public_id) -> HttpResponse:
    case = case_for(request, public_id, Capability.EDIT_RECORDS)
    form = AssessmentForm(
        data=request.POST if request.method == "POST" else None,
        initial={"assessed_on": timezone.localdate()},
        indicator_set=selectors.indicator_set_current(),
        child=case.child,
    )
    if request.method == "POST" and form.is_valid() and "preview" not in request.POST:
        return _save(request, form, case)
    return _form_page(request, case=case, form=form)


@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, public_id) -> HttpResponse:
    assessment = assessment_for(request, public_id, Capability.EDIT_RECORDS)
    if assessment.status != RiskAssessment.Status.DRAFT:
        raise Http404("No such record")
    initial = {"assessed_on": assessment.assessed_on, "judgement": assessment.judgement,
               "judged_category": assessment.judged_category,
               "judgement_reason": assessment.judgement_reason}  # fmt: skip
    for response in assessment.responses.select_related("indicator"):
        initial[f"r_{response.indicator.code}"] = response.presence
        initial[f"e_{response.indicator.code}"] = response.evidence
    form = AssessmentForm(
        data=request.POST if request.method == "POST" else None,
        initial=initial,
        indicator_set=assessment.indicator_set,
        child=assessment.case.child,
    )
    edit_version_add(form, assessment)
    if request.method == "POST" and form.is_valid() and "preview" not in request.POST:
        return _save(request, form, assessment.case, assessment)
    return _form_page(request, case=assessment.case, form=form, assessment=assessment)


def _is_uuid(value: str | None) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@require_POST
def assessment_preview(request: HttpRequest, public_id) -> HttpResponse:
    """The score panel for the answers so far (htmx swaps it in as the assessor works)."""
    case = case_for(request, public_id, Capability.EDIT_RECORDS)
    # A draft is scored with the version it was started with, which the form names.
    indicator_set = (
        IndicatorSet.objects.filter(public_id=request.POST.get("indicator_set")).first()
        if _is_uuid(request.POST.get("indicator_set"))
        else None
    ) or selectors.indicator_set_current()
    form = AssessmentForm(data=request.POST, indicator_set=indicator_set, child=case.child)
    form.is_valid()
    return render(
        request,
        "indicators/_score_panel.html",
        {"screening": form.screening, "indicator_set": form.indicator_set, "form": form},
    )


def assessment_detail(request: HttpRequest, public_id) -> HttpResponse:
    assessment = assessment_for(request, public_id, Capability.VIEW_RECORDS)
    access.log_view(request, assessment.case)
    responses = assessment.responses.select_related("indicator", "recorded_by")
    final_band = band_of_category(assessment.indicator_set, assessment.final_category)
    may_sign_off = (
        assessment.status == RiskAssessment.Status.AWAITING_SIGN_OFF
        and assessment.case.owner_agency_id
        in access.agency_ids_with(request.user, Capability.SIGN_OFF)
    )
    return render(
        request,
        "indicators/assessment_detail.html",
        {
            "assessment": assessment,
            "case": assessment.case,
            "responses": responses,
            "final_band": final_band,
            "may_sign_off": may_sign_off,
            "may_refer": access.can(request.user, Capability.EDIT_RECORDS, assessment.case),
            "may_edit": assessment.status == RiskAssessment.Status.DRAFT
            and access.can(request.user, Capability.EDIT_RECORDS, assessment.case),
            "sign_off_form": SignOffForm(),
        },
    )


@require_POST
def assessment_sign_off(request: HttpRequest, public_id) -> HttpResponse:
    assessment = assessment_for(request, public_id, Capability.SIGN_OFF)
    if (
        assessment.case.owner_agency_id
        not in access.agency_ids_with(request.user, Capability.SIGN_OFF)
        or assessment.status != RiskAssessment.Status.AWAITING_SIGN_OFF
    ):
        raise Http404("No such record")
    form = SignOffForm(data=request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("indicators:assessment-detail", public_id=assessment.public_id)
    try:
        services.assessment_sign_off(
            assessment=assessment,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
    except ValueError as refusal:
        messages.error(request, str(refusal))
        return redirect("indicators:assessment-detail", public_id=assessment.public_id)
    messages.success(request, "Your decision has been recorded")
    return redirect("indicators:assessment-detail", public_id=assessment.public_id)


@capability_required(Capability.SIGN_OFF)
def reassessments_overdue(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.reassessments_overdue(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "indicators/overdue.html", {"page": page})


def indicator_set_list(request: HttpRequest) -> HttpResponse:
    return render(request, "indicators/set_list.html", {"sets": IndicatorSet.objects.all()})


def indicator_set_detail(request: HttpRequest, public_id) -> HttpResponse:
    indicator_set = get_object_or_404(IndicatorSet, public_id=public_id)
    return render(
        request,
        "indicators/set_detail.html",
        {"set": indicator_set, "sections": selectors.indicators_by_section(indicator_set)},
    )


@capability_required(Capability.MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def indicator_set_upload(request: HttpRequest) -> HttpResponse:
    form = IndicatorSetUploadForm(
        data=request.POST if request.method == "POST" else None,
        files=request.FILES if request.method == "POST" else None,
    )
    file_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            loaded = services.indicator_set_load_file(content=upload.read(), filename=upload.name)
        except services.IndicatorSetFileError as error:
            file_errors = error.errors
        else:
            messages.success(request, f"{loaded} loaded and now used for new assessments")
            return redirect("indicators:set-detail", public_id=loaded.public_id)
    return render(request, "indicators/set_upload.html", {"form": form, "file_errors": file_errors})
