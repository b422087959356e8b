"""The administrator's screens for the list of flag types (reference data, no case data)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from agencies.decorators import capability_required
from agencies.roles import Capability
from interventions import services
from interventions.forms import FlagTypeForm
from interventions.models import FlagType

manage_users = capability_required(Capability.MANAGE_USERS)


@manage_users
def flag_type_list(request):
    flag_types = FlagType.objects.filter(archived_at__isnull=True)
    return render(request, "interventions/flag_type_list.html", {"flag_types": flag_types})


@manage_users
@require_http_methods(["GET", "POST"])
def flag_type_new(request):
    form = FlagTypeForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        flag_type = services.flag_type_create(
            code=data["code"],
            name=data["name"],
            description=data["description"],
            display_order=data["display_order"],
            by=request.user,
        )
        messages.success(request, f"Flag type {flag_type.name} added")
        return redirect("interventions:flag-type-list")
    return render(request, "interventions/flag_type_form.html", {"form": form})


@manage_users
@require_http_methods(["GET", "POST"])
def flag_type_edit(request, code: str):
    flag_type = get_object_or_404(FlagType, code=code, archived_at__isnull=True)
    form = FlagTypeForm(
        data=request.POST if request.method == "POST" else None,
        initial={
            "name": flag_type.name,
            "description": flag_type.description,
            "display_order": flag_type.display_order,
            "is_active": flag_type.is_active,
        },
        editing=flag_type,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.flag_type_update(
            flag_type=flag_type,
            name=data["name"],
            description=data["description"],
            display_order=data["display_order"],
            is_active=data["is_active"],
            by=request.user,
        )
        messages.success(request, f"Flag type {flag_type.name} saved")
        return redirect("interventions:flag-type-list")
    return render(
        request, "interventions/flag_type_form.html", {"form": form, "flag_type": flag_type}
    )
