"""A child's case: the record page, the list, the chronology, history, notes, closing and
sharing."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from agencies import access
from agencies.decorators import capability_required, recent_authentication_required
from agencies.models import AccessLogEntry, Agency
from agencies.roles import Capability, role_can
from cases import selectors, services
from cases.forms import CaseDetailsForm, CloseCaseForm, NoteForm, ShareForm, UnshareForm
from cases.models import Case
from core.charts import category_trend_svg
from core.edits import edit_save, edit_version_add
from core.pagination import KeysFirstPaginator
from indicators.models import RiskAssessment
from indicators.scoring import band_of_category
from indicators.selectors import indicator_set_current

CASES = Case.objects.select_related("child", "owner_agency", "lead_professional")


def log_case_view(
    request: HttpRequest, case: Case, *, action: str = AccessLogEntry.Action.VIEW, detail=None
) -> None:
    """Log a view of the case, flagged `unlinked` when the viewer has no working relationship
    with it, for the lead professional's "who has looked" panel."""
    detail = dict(detail or {})
    if not selectors.case_is_linked_to(user=request.user, case=case):
        detail["unlinked"] = True
    access.log_view(request, case, action=action, detail=detail or None)


def may_see_viewers(user, case: Case) -> bool:
    """The lead professional, and those who search the holding agency's access log."""
    return user.pk == case.lead_professional_id or any(
        m.agency_id == case.owner_agency_id and role_can(m.role, Capability.VIEW_ACCESS_LOG)
        for m in access.user_agency_roles(user)
    )


def case_for(request: HttpRequest, public_id, capability: Capability, *, queryset=CASES) -> Case:
    """The case if the user may see it and holds `capability` for it; 404 otherwise."""
    case = access.get_visible_or_404(request, queryset, public_id)
    if not access.can(request.user, capability, case):
        raise Http404("No such record")
    return case


@capability_required(Capability.VIEW_RECORDS)
def case_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    cases = selectors.case_list_with_withheld(user=request.user)
    if status in Case.Status.values:
        cases = cases.filter(status=status)
    page = KeysFirstPaginator(cases.order_by("-modified_at", "-pk"), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "cases/case_list.html",
        {"page": page, "status": status, "query": f"status={status}"},
    )


def referrals_with_overdue(referrals) -> list:
    now = timezone.now()
    referrals = list(referrals)
    for referral in referrals:
        referral.overdue = referral.overdue_at(now)
    return referrals


def case_detail(request: HttpRequest, public_id) -> HttpResponse:
    # Read with the case: the agencies it is shared with (the page lists them, and its panels
    # ask can() about the case), and whether its restriction, meetings and victim support
    # panels have anything to read.
    case = case_for(
        request, public_id, Capability.VIEW_RECORDS, queryset=selectors.case_page_records()
    )
    log_case_view(request, case)
    links = selectors.links_of(person=case.child)
    assessments = selectors.assessments_of_case(case=case)
    completed = [a for a in reversed(assessments) if a.status == RiskAssessment.Status.COMPLETED]
    trend = [(a.assessed_on, a.final_category) for a in completed]
    risk_band = None
    if case.risk_category:
        # The category's wording comes from the set it was scored with, so loading a new
        # version of the indicator set never relabels (or breaks) an existing case.
        scored_with = completed[-1].indicator_set if completed else indicator_set_current()
        risk_band = band_of_category(scored_with, case.risk_category)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "child": case.child,
            "risk_band": risk_band,
            "concerns": selectors.concerns_of_case(user=request.user, case=case)[:10],
            "missing_episodes": case.missing_episodes.all()[:10],
            "linked": selectors.linked_people(user=request.user, child=case.child, links=links),
            "group_based": selectors.suspects_linked(child=case.child, links=links) >= 2,
            "assessments": assessments[:10],
            "referrals": referrals_with_overdue(case.referrals.select_related("to_agency")[:10]),
            "trend": trend,
            "trend_svg": mark_safe(category_trend_svg(trend, title="Risk category over time")),  # noqa: S308 - built from numbers and dates only
            "next_due": completed[-1].next_due if completed and case.status == "open" else None,
            "shared_with": Agency.objects.filter(id__in=access.shared_agency_ids(case)),
            "may_edit": access.can(request.user, Capability.EDIT_RECORDS, case),
            "may_share": access.can(request.user, Capability.SHARE_RECORDS, case),
            "viewers": selectors.case_viewers(case=case, limit=settings.WHO_HAS_LOOKED_LIMIT)
            if may_see_viewers(request.user, case)
            else None,
        },
    )


def _chronology_page(request: HttpRequest, public_id, *, template: str, action: str):
    case = case_for(request, public_id, Capability.VIEW_RECORDS)
    chosen = sorted(k for k in request.GET.getlist("kind") if k in selectors.CHRONOLOGY_KINDS)
    events = selectors.child_chronology(
        user=request.user, child=case.child, kinds=set(chosen) or None
    )
    log_case_view(request, case, action=action, detail={"kinds": chosen, "events": len(events)})
    return render(
        request,
        template,
        {
            "case": case,
            "events": events,
            "kinds": selectors.CHRONOLOGY_KINDS,
            "chosen": chosen,
            "query": urlencode({"kind": chosen}, doseq=True),
            "printed_at": timezone.now(),
        },
    )


def case_chronology(request: HttpRequest, public_id) -> HttpResponse:
    return _chronology_page(
        request, public_id, template="cases/case_chronology.html", action=AccessLogEntry.Action.VIEW
    )


@recent_authentication_required
def case_chronology_print(request: HttpRequest, public_id) -> HttpResponse:
    """The chronology laid out for paper. Opening it is logged as printing (DPA 2018 s.62
    counts a printed copy as a disclosure), whether or not the browser's print is used; like
    an export, it asks for the password and a code again after 15 minutes."""
    return _chronology_page(
        request,
        public_id,
        template="cases/case_chronology_print.html",
        action=AccessLogEntry.Action.PRINT,
    )


@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, public_id) -> HttpResponse:
    case = case_for(request, public_id, Capability.EDIT_RECORDS)
    fields = list(CaseDetailsForm.base_fields)
    initial = {name: getattr(case, name) for name in fields}
    form = CaseDetailsForm(
        data=request.POST if request.method == "POST" else None, initial=initial, child=case.child
    )
    edit_version_add(form, case)
    conflict = None
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k in initial and v != initial[k]}
        conflict = edit_save(
            form=form,
            save=lambda version: services.case_update(
                case=case, changes=changes, by=request.user, expected_version=version
            ),
        )
        if conflict is None:
            messages.success(request, "Case details saved")
            return redirect("cases:case-detail", public_id=case.public_id)
    return render(
        request, "cases/case_edit.html", {"case": case, "form": form, "conflict": conflict}
    )


def note_agency(request: HttpRequest, case: Case) -> Agency:
    """The agency a note is written for: the case's holder if the user belongs to it, else
    the first agency it is shared with that the user records for."""
    recording = [
        m.agency_id
        for m in access.acting_agencies(request.user, case)
        if role_can(m.role, Capability.EDIT_RECORDS)
    ]
    chosen = case.owner_agency_id if case.owner_agency_id in recording else recording[0]
    return Agency.objects.get(pk=chosen)


@require_http_methods(["GET", "POST"])
def case_note_add(request: HttpRequest, public_id) -> HttpResponse:
    case = case_for(request, public_id, Capability.EDIT_RECORDS)
    agency = note_agency(request, case)
    form = NoteForm(
        data=request.POST if request.method == "POST" else None,
        police=agency.type == Agency.Type.POLICE,
    )
    if request.method == "POST" and form.is_valid():
        services.case_note_add(
            case=case, text=form.cleaned_data["text"], agency=agency,
            handling_code=form.cleaned_data.get("handling_code") or "", by=request.user,
        )  # fmt: skip
        messages.success(request, "Note added")
        return redirect("cases:case-chronology", public_id=case.public_id)
    return render(request, "cases/case_note.html", {"case": case, "form": form})


@require_http_methods(["GET", "POST"])
def case_close(request: HttpRequest, public_id) -> HttpResponse:
    case = case_for(request, public_id, Capability.SIGN_OFF)
    form = CloseCaseForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.case_close(case=case, reason=form.cleaned_data["reason"], by=request.user)
        messages.success(request, "Case closed")
        return redirect("cases:case-detail", public_id=case.public_id)
    return render(request, "cases/case_close.html", {"case": case, "form": form})


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
    case = case_for(request, public_id, Capability.SHARE_RECORDS)
    form = ShareForm(
        data=request.POST if request.method == "POST" else None,
        agencies=_share_candidates(case),
        initial={"agency": request.GET.get("agency")},
    )
    if request.method == "POST" and form.is_valid():
        agency = form.cleaned_data["agency"]
        services.case_share(
            case=case,
            agency=agency,
            reason=form.cleaned_data["reason"],
            lawful_basis=form.cleaned_data["lawful_basis"],
            consent_by=form.cleaned_data["consent_by"],
            by=request.user,
        )
        messages.success(request, f"The case has been shared with {agency.name}")
        return redirect("cases:case-detail", public_id=case.public_id)
    return render(request, "cases/case_share.html", {"case": case, "form": form})


# GET shows the form: re-authentication returns here with a GET, and must not meet a 405.
@require_http_methods(["GET", "POST"])
@recent_authentication_required
def case_unshare(request: HttpRequest, public_id, agency_id) -> HttpResponse:
    case = case_for(request, public_id, Capability.SHARE_RECORDS)
    agency = get_object_or_404(
        Agency.objects.filter(id__in=access.shared_agency_ids(case)), public_id=agency_id
    )
    form = UnshareForm(data=request.POST if request.method == "POST" else None)
    if not form.is_valid():
        return render(
            request,
            "cases/case_unshare.html",
            {"case": case, "agency": agency, "form": form},
        )
    services.case_unshare(
        case=case, agency=agency, reason=form.cleaned_data["reason"], by=request.user
    )
    messages.success(request, f"The share with {agency.name} has been withdrawn")
    return redirect("cases:case-detail", public_id=case.public_id)
