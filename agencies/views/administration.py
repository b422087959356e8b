"""Administration screens: agencies, users and memberships. Administrators see no case data.

An administrator manages the users of their own agency, and the agencies of their
partnerships. A membership asked for in another agency waits for that agency's approval
(agencies.services.membership_grant); nobody changes their own (docs/access.md).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from agencies import selectors, services
from agencies.admin_forms import (
    AgencyForm,
    DecisionForm,
    MembershipForm,
    ReasonForm,
    TwoFactorResetForm,
    UserInviteForm,
)
from agencies.decorators import capability_required
from agencies.models import MembershipRequest
from agencies.roles import Capability

manage_users = capability_required(Capability.MANAGE_USERS)
approve_memberships = capability_required(Capability.APPROVE_MEMBERSHIPS)


@manage_users
def agency_list(request: HttpRequest) -> HttpResponse:
    agencies = selectors.partnership_agencies(user=request.user).prefetch_related("partnerships")
    return render(
        request,
        "agencies/admin/agency_list.html",
        {"agencies": agencies, "partnerships": selectors.administered_partnerships(request.user)},
    )


@manage_users
@require_http_methods(["GET", "POST"])
def agency_create(request: HttpRequest) -> HttpResponse:
    partnerships = selectors.administered_partnerships(request.user)
    form = AgencyForm(
        data=request.POST if request.method == "POST" else None, partnerships=partnerships
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        agency = services.agency_create(
            code=data["code"],
            name=data["name"],
            type=data["type"],
            partnerships=list(data["partnerships"]),
            by=request.user,
        )
        messages.success(request, f"Agency {agency.name} created. Invite its administrator next.")
        return redirect("agencies:admin-agency-list")
    return render(request, "agencies/admin/agency_form.html", {"form": form, "creating": True})


@manage_users
@require_http_methods(["GET", "POST"])
def agency_edit(request: HttpRequest, public_id) -> HttpResponse:
    agency = get_object_or_404(
        selectors.partnership_agencies(user=request.user), public_id=public_id
    )
    partnerships = selectors.administered_partnerships(request.user)
    initial = {
        "code": agency.code,
        "name": agency.name,
        "type": agency.type,
        "partnerships": list(agency.partnerships.all()),
        "is_active": agency.is_active,
    }
    form = AgencyForm(
        data=request.POST if request.method == "POST" else None,
        initial=initial,
        partnerships=partnerships,
        editing=agency,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.agency_update(
                agency=agency,
                name=data["name"],
                type=data["type"],
                is_active=data["is_active"],
                partnerships=list(data["partnerships"]),
                by=request.user,
            )
        except services.AdministrationRefused as refusal:
            form.add_error("type", str(refusal))
        else:
            messages.success(request, f"Agency {agency.name} saved")
            return redirect("agencies:admin-agency-list")
    return render(request, "agencies/admin/agency_form.html", {"form": form, "agency": agency})


@manage_users
def user_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.managed_users(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "agencies/admin/user_list.html",
        {
            "users": page,
            "page": page,
            "to_decide": selectors.membership_requests_to_decide(user=request.user).count(),
        },
    )


def _granted_message(request: HttpRequest, granted, subject) -> None:
    if isinstance(granted, MembershipRequest):
        messages.success(
            request,
            f"The membership of {granted.agency.name} is waiting for approval by an "
            "administrator or CSE lead of that agency",
        )
    else:
        messages.success(request, f"{subject.full_name} is now {granted}")


@manage_users
@require_http_methods(["GET", "POST"])
def user_invite(request: HttpRequest) -> HttpResponse:
    agencies = selectors.partnership_agencies(user=request.user).filter(is_active=True)
    form = UserInviteForm(
        data=request.POST if request.method == "POST" else None, agencies=agencies
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, granted = services.user_invite(
                email=data["email"],
                full_name=data["full_name"],
                agency=data["agency"],
                role=data["role"],
                by=request.user,
            )
        except services.AdministrationRefused as refusal:
            form.add_error("role", str(refusal))
        else:
            messages.success(request, f"{user.full_name} has been sent an invitation")
            _granted_message(request, granted, user)
            if selectors.managed_users(user=request.user).filter(pk=user.pk).exists():
                return redirect("agencies:admin-user-detail", public_id=user.public_id)
            return redirect("agencies:admin-membership-requests")
    return render(request, "agencies/admin/user_invite.html", {"form": form})


def _managed_user(request: HttpRequest, public_id):
    return get_object_or_404(selectors.managed_users(user=request.user), public_id=public_id)


def _user_page(request, subject, *, form=None, reason_form=None, reset_form=None) -> HttpResponse:
    agencies = selectors.partnership_agencies(user=request.user).filter(is_active=True)
    return render(
        request,
        "agencies/admin/user_detail.html",
        {
            "subject": subject,
            "is_self": subject.pk == request.user.pk,
            "memberships": selectors.memberships_of(subject=subject),
            "managed_agency_ids": set(
                selectors.managed_agencies(user=request.user).values_list("pk", flat=True)
            ),
            "pending": selectors.pending_requests_of(subject=subject),
            "form": form or MembershipForm(agencies=agencies),
            "reason_form": reason_form or ReasonForm(),
            "reset_form": reset_form or TwoFactorResetForm(),
        },
    )


@manage_users
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, public_id) -> HttpResponse:
    """A user's memberships; gives (or asks for) a membership in an agency of the partnership."""
    user = _managed_user(request, public_id)
    agencies = selectors.partnership_agencies(user=request.user).filter(is_active=True)
    form = MembershipForm(
        data=request.POST if request.method == "POST" else None, agencies=agencies
    )
    if request.method == "POST" and form.is_valid():
        try:
            granted = services.membership_grant(
                user=user,
                agency=form.cleaned_data["agency"],
                role=form.cleaned_data["role"],
                by=request.user,
            )
        except services.AdministrationRefused as refusal:
            form.add_error("role", str(refusal))
        else:
            _granted_message(request, granted, user)
            return redirect("agencies:admin-user-detail", public_id=user.public_id)
    return _user_page(request, user, form=form)


@manage_users
@require_POST
def membership_end(request: HttpRequest, public_id) -> HttpResponse:
    membership = get_object_or_404(
        selectors.managed_memberships(user=request.user).select_related("user", "agency"),
        public_id=public_id,
        is_active=True,
    )
    try:
        services.membership_end(membership=membership, by=request.user)
    except services.AdministrationRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Membership ended")
    return redirect("agencies:admin-user-detail", public_id=membership.user.public_id)


@manage_users
@require_POST
def user_set_active(request: HttpRequest, public_id) -> HttpResponse:
    """Deactivate (ending every session at once) or reactivate a user, with a reason."""
    user = _managed_user(request, public_id)
    form = ReasonForm(data=request.POST)
    if not form.is_valid():
        return _user_page(request, user, reason_form=form)
    try:
        if user.is_active:
            services.user_deactivate(user=user, reason=form.cleaned_data["reason"], by=request.user)
            messages.success(request, f"{user.full_name} has been deactivated and signed out")
        else:
            services.user_reactivate(user=user, reason=form.cleaned_data["reason"], by=request.user)
            messages.success(request, f"{user.full_name} has been reactivated")
    except services.AdministrationRefused as refusal:
        form.add_error("reason", str(refusal))
        return _user_page(request, user, reason_form=form)
    return redirect("agencies:admin-user-detail", public_id=user.public_id)


@manage_users
@require_POST
def user_two_factor_reset(request: HttpRequest, public_id) -> HttpResponse:
    """Reset a lost authenticator, with a reason: the person sets up a new one at their next
    sign-in; their sessions end; the CSE leads of their agencies are told."""
    user = _managed_user(request, public_id)
    form = TwoFactorResetForm(data=request.POST)
    if not form.is_valid():
        return _user_page(request, user, reset_form=form)
    try:
        services.user_two_factor_reset(
            user=user, reason=form.cleaned_data["reason"], by=request.user
        )
    except services.AdministrationRefused as refusal:
        form.add_error("reason", str(refusal))
        return _user_page(request, user, reset_form=form)
    messages.success(
        request,
        f"{user.full_name}'s authenticator has been reset: they will set up a new one when "
        "they next sign in",
    )
    return redirect("agencies:admin-user-detail", public_id=user.public_id)


@approve_memberships
def membership_request_list(request: HttpRequest) -> HttpResponse:
    """Memberships waiting for the user's decision, and those the user asked for."""
    return render(
        request,
        "agencies/admin/membership_requests.html",
        {
            "to_decide": selectors.membership_requests_to_decide(user=request.user),
            "made": selectors.membership_requests_made_by(user=request.user)[:50],
        },
    )


@approve_memberships
@require_http_methods(["GET", "POST"])
def membership_request_detail(request: HttpRequest, public_id) -> HttpResponse:
    """A membership asked for: seen by whoever asked and by the agency's approvers; decided
    (POST) only by an approver who neither asked for it nor is its subject."""
    membership_request = get_object_or_404(
        selectors.membership_requests_seen_by(user=request.user), public_id=public_id
    )
    may_decide = (
        selectors.membership_requests_to_decide(user=request.user)
        .filter(pk=membership_request.pk)
        .exists()
    )
    if request.method == "POST" and "withdraw" in request.POST:
        if membership_request.created_by_id != request.user.pk:
            raise Http404("No such page")
        try:
            services.membership_request_withdraw(
                membership_request=membership_request, by=request.user
            )
        except services.AdministrationRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, "Request withdrawn")
        return redirect("agencies:admin-membership-requests")
    if request.method == "POST" and not may_decide:
        raise Http404("No such page")
    form = DecisionForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.membership_request_decide(
                membership_request=membership_request,
                approve=approve,
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except services.AdministrationRefused as refusal:
            form.add_error("decision", str(refusal))
        else:
            messages.success(
                request,
                f"Membership {'approved' if approve else 'refused'}: "
                f"{membership_request.user.full_name}, {membership_request.agency.name}",
            )
            return redirect("agencies:admin-membership-requests")
    return render(
        request,
        "agencies/admin/membership_request.html",
        {"membership_request": membership_request, "form": form, "may_decide": may_decide},
    )
