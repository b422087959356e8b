"""Administration screens: agencies, users and memberships. Administrators see no case data."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from agencies import selectors, services
from agencies.admin_forms import AgencyForm, MembershipForm, ReasonForm, UserInviteForm
from agencies.decorators import capability_required
from agencies.models import Membership
from agencies.roles import Capability

manage_users = capability_required(Capability.MANAGE_USERS)


@manage_users
def agency_list(request: HttpRequest) -> HttpResponse:
    agencies = selectors.administered_agencies(request.user).prefetch_related("partnerships")
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
        messages.success(request, f"Agency {agency.name} created")
        return redirect("agencies:admin-agency-list")
    return render(request, "agencies/admin/agency_form.html", {"form": form, "creating": True})


@manage_users
@require_http_methods(["GET", "POST"])
def agency_edit(request: HttpRequest, public_id) -> HttpResponse:
    agency = get_object_or_404(selectors.administered_agencies(request.user), public_id=public_id)
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
        services.agency_update(
            agency=agency,
            name=data["name"],
            type=data["type"],
            is_active=data["is_active"],
            partnerships=list(data["partnerships"]),
            by=request.user,
        )
        messages.success(request, f"Agency {agency.name} saved")
        return redirect("agencies:admin-agency-list")
    return render(request, "agencies/admin/agency_form.html", {"form": form, "agency": agency})


@manage_users
def user_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.administered_users(request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "agencies/admin/user_list.html", {"users": page, "page": page})


@manage_users
@require_http_methods(["GET", "POST"])
def user_invite(request: HttpRequest) -> HttpResponse:
    agencies = selectors.administered_agencies(request.user).filter(is_active=True)
    form = UserInviteForm(
        data=request.POST if request.method == "POST" else None, agencies=agencies
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.user_invite(
            email=data["email"],
            full_name=data["full_name"],
            agency=data["agency"],
            role=data["role"],
            by=request.user,
            base_url=request.build_absolute_uri("/"),
        )
        messages.success(request, f"{user.full_name} has been sent an invitation")
        return redirect("agencies:admin-user-detail", public_id=user.public_id)
    return render(request, "agencies/admin/user_invite.html", {"form": form})


def _administered_user(request: HttpRequest, public_id):
    return get_object_or_404(selectors.administered_users(request.user), public_id=public_id)


@manage_users
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, public_id) -> HttpResponse:
    """A user's memberships; adds a membership in an agency the administrator manages."""
    user = _administered_user(request, public_id)
    agencies = selectors.administered_agencies(request.user).filter(is_active=True)
    form = MembershipForm(
        data=request.POST if request.method == "POST" else None, agencies=agencies
    )
    if request.method == "POST" and form.is_valid():
        services.membership_create(
            user=user,
            agency=form.cleaned_data["agency"],
            role=form.cleaned_data["role"],
            by=request.user,
        )
        messages.success(request, "Membership saved")
        return redirect("agencies:admin-user-detail", public_id=user.public_id)
    return render(
        request,
        "agencies/admin/user_detail.html",
        {"subject": user, "form": form, "reason_form": ReasonForm()},
    )


@manage_users
@require_POST
def membership_end(request: HttpRequest, public_id) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.filter(agency__in=selectors.administered_agencies(request.user)),
        public_id=public_id,
        is_active=True,
    )
    services.membership_end(membership=membership, by=request.user)
    messages.success(request, "Membership ended")
    return redirect("agencies:admin-user-detail", public_id=membership.user.public_id)


@manage_users
@require_POST
def user_set_active(request: HttpRequest, public_id) -> HttpResponse:
    """Deactivate (ending every session at once) or reactivate a user, with a reason."""
    user = _administered_user(request, public_id)
    if user == request.user:
        raise Http404("No such page")
    form = ReasonForm(data=request.POST)
    if not form.is_valid():
        agencies = selectors.administered_agencies(request.user)
        return render(
            request,
            "agencies/admin/user_detail.html",
            {"subject": user, "form": MembershipForm(agencies=agencies), "reason_form": form},
        )
    if user.is_active:
        services.user_deactivate(user=user, reason=form.cleaned_data["reason"], by=request.user)
        messages.success(request, f"{user.full_name} has been deactivated and signed out")
    else:
        services.user_reactivate(user=user, reason=form.cleaned_data["reason"], by=request.user)
        messages.success(request, f"{user.full_name} has been reactivated")
    return redirect("agencies:admin-user-detail", public_id=user.public_id)
