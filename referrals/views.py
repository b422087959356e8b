"""The referral inbox, making and sending a referral, and each step of its workflow."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.views.decorators.http import require_http_methods, require_POST

from agencies import access
from agencies.decorators import capability_required
from agencies.models import Agency
from agencies.roles import Capability
from cases import selectors as case_selectors
from cases.models import Person
from cases.views.case import case_for, referrals_with_overdue
from core.pagination import KeysFirstPaginator
from referrals import selectors, services
from referrals.forms import OutcomeForm, ReasonForm, ReferralForm
from referrals.models import Referral
from restrictions.selectors import restrictions_over

DONE_MESSAGES = {
    "send": "Referral sent",
    "withdraw": "Referral withdrawn",
    "acknowledge": "Referral acknowledged",
    "accept": "Referral accepted: the case is now shared with your agency",
    "decline": "Referral declined",
    "close": "Referral closed",
}
SORTS = {"sent": "-sent_at", "due": "acknowledge_due", "urgency": "urgency"}
# Which end of the referral may take each step, and with which capability.
STEPS = {
    "send": ("from", Capability.EDIT_RECORDS),
    "withdraw": ("from", Capability.EDIT_RECORDS),
    "acknowledge": ("to", Capability.ANSWER_REFERRALS),
    "accept": ("to", Capability.ANSWER_REFERRALS),
    "decline": ("to", Capability.ANSWER_REFERRALS),
    "close": ("to", Capability.ANSWER_REFERRALS),
}


def referral_for(request: HttpRequest, public_id) -> Referral:
    referral = selectors.referrals_visible(user=request.user).filter(public_id=public_id).first()
    if referral is None:
        raise Http404("No such record")
    return referral


def may_step(request: HttpRequest, referral: Referral, step: str) -> bool:
    end, capability = STEPS[step]
    agency_id = referral.from_agency_id if end == "from" else referral.to_agency_id
    return agency_id in access.agency_ids_with(request.user, capability)


@capability_required(Capability.VIEW_RECORDS)
def inbox(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "new")
    if tab not in selectors.INBOX_TABS:
        tab = "new"
    referrals, counts = selectors.inbox(user=request.user, tab=tab)
    urgency = request.GET.get("urgency", "")
    if urgency in Referral.Urgency.values:
        referrals = referrals.filter(urgency=urgency)
    sort = request.GET.get("sort", "sent")
    referrals = referrals.order_by(SORTS.get(sort, "-sent_at"), "-created_at", "-pk")
    page = KeysFirstPaginator(referrals, 25, rows=selectors.referrals_by_key()).get_page(
        request.GET.get("page")
    )
    page.object_list = referrals_with_overdue(page.object_list)
    return render(
        request,
        "referrals/inbox.html",
        {
            "page": page,
            "tab": tab,
            "tabs": [(key, label, counts[key]) for key, label in selectors.INBOX_TABS.items()],
            "urgency": urgency,
            "sort": sort,
            "urgencies": Referral.Urgency.choices,
            "query": f"tab={tab}&urgency={urgency}&sort={sort}",
        },
    )


@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, public_id) -> HttpResponse:
    case = case_for(request, public_id, Capability.EDIT_RECORDS)
    from_agency_ids = [
        m.agency_id for m in access.acting_agencies(request.user, case)
        if m.agency_id in access.agency_ids_with(request.user, Capability.EDIT_RECORDS)
    ]  # fmt: skip
    from_agency = Agency.objects.get(pk=from_agency_ids[0])
    agencies = (
        Agency.objects.filter(partnerships__in=from_agency.partnerships.all(), is_active=True)
        .exclude(pk=from_agency.pk)
        .distinct()
    )
    restricted = bool(restrictions_over(record=case))
    form = ReferralForm(data=request.POST if request.method == "POST" else None, agencies=agencies)
    if request.method == "POST" and not restricted and form.is_valid():
        referral = services.referral_create(
            case=case,
            from_agency=from_agency,
            data=services.ReferralData(**form.cleaned_data),
            send="send" in request.POST,
            by=request.user,
        )
        if "send" in request.POST:
            messages.success(request, f"Referral sent to {referral.to_agency.name}")
        else:
            messages.success(request, "Referral saved as a draft")
        return redirect("referrals:referral-detail", public_id=referral.public_id)
    return render(
        request,
        "referrals/referral_form.html",
        {"case": case, "form": form, "restricted": restricted},
    )


def access_request_token(referral: Referral, person_pk: int) -> str:
    """Names a restricted linked person in the request form without showing any identifier of
    theirs: a keyed hash of the referral and the person, which the server recomputes for each
    restricted entry. It still names the same person if the list changes meanwhile."""
    return salted_hmac(
        "referrals.access-request", f"{referral.pk}:{person_pk}", algorithm="sha256"
    ).hexdigest()[:40]


def referral_detail(request: HttpRequest, public_id) -> HttpResponse:
    referral = referral_for(request, public_id)
    access.log_view(request, referral.case)
    steps = [step for step in STEPS if may_step(request, referral, step)
             and referral.status in services.TRANSITIONS[step][0]]  # fmt: skip
    linked = []
    if referral.status == Referral.Status.ACCEPTED and may_step(request, referral, "close"):
        linked = [
            (link, access_request_token(referral, link.person_pk) if link.restricted else "")
            for link in case_selectors.linked_people(user=request.user, child=referral.case.child)
        ]
    case_visible = (
        case_selectors.case_list_visible(user=request.user).filter(pk=referral.case_id).exists()
    )
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "steps": steps,
            "overdue": referral.overdue_at(timezone.now()),
            "linked": linked,
            "case_visible": case_visible,
            "reason_form": ReasonForm(),
            "outcome_form": OutcomeForm(),
        },
    )


@require_POST
def referral_step(request: HttpRequest, public_id, step: str) -> HttpResponse:
    referral = referral_for(request, public_id)
    if step not in STEPS or not may_step(request, referral, step):
        raise Http404("No such page")
    try:
        if step in ("decline", "withdraw"):
            form = ReasonForm(data=request.POST)
            if not form.is_valid():
                messages.error(request, "Enter the reason")
                return redirect("referrals:referral-detail", public_id=referral.public_id)
            getattr(services, f"referral_{step}")(
                referral=referral, reason=form.cleaned_data["reason"], by=request.user
            )
        elif step == "close":
            form = OutcomeForm(data=request.POST)
            if not form.is_valid():
                messages.error(request, "Enter the outcome of the referral")
                return redirect("referrals:referral-detail", public_id=referral.public_id)
            services.referral_close(
                referral=referral, outcome=form.cleaned_data["outcome"], by=request.user
            )
        else:
            getattr(services, f"referral_{step}")(referral=referral, by=request.user)
    except services.TransitionRefused as refusal:
        messages.error(request, f"{refusal}: nothing was changed")
        return redirect("referrals:referral-detail", public_id=referral.public_id)
    messages.success(request, DONE_MESSAGES[step])
    return redirect("referrals:referral-detail", public_id=referral.public_id)


@require_POST
def access_request(request: HttpRequest, public_id) -> HttpResponse:
    """The receiving CSE lead asks for access to a linked person they cannot see."""
    referral = referral_for(request, public_id)
    if referral.status != Referral.Status.ACCEPTED or not may_step(request, referral, "close"):
        raise Http404("No such page")
    token = request.POST.get("linked", "")
    chosen = next(
        (
            link
            for link in case_selectors.linked_people(user=request.user, child=referral.case.child)
            if link.restricted
            and constant_time_compare(access_request_token(referral, link.person_pk), token)
        ),
        None,
    )
    if chosen is None:
        raise Http404("No such record")
    services.access_request(
        referral=referral, person=Person.objects.get(pk=chosen.person_pk), by=request.user
    )
    messages.success(request, "Access requested: the holding agency's CSE lead has been told")
    return redirect("referrals:referral-detail", public_id=referral.public_id)
