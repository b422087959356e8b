"""Administrators set each partnership's referral deadlines."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from agencies import selectors as agency_selectors
from agencies.decorators import capability_required
from agencies.roles import Capability
from core.forms import GovUKModelForm
from referrals.models import DeadlinePolicy


class DeadlinePolicyForm(GovUKModelForm):
    class Meta:
        model = DeadlinePolicy
        fields = [
            "immediate_acknowledge_minutes",
            "urgent_acknowledge_minutes",
            "routine_acknowledge_working_days",
            "decision_working_days",
        ]
        labels = {
            "immediate_acknowledge_minutes": "Immediate: minutes to acknowledge",
            "urgent_acknowledge_minutes": "Urgent: minutes to acknowledge",
            "routine_acknowledge_working_days": "Routine: working days to acknowledge",
            "decision_working_days": "Working days to decide",
        }
        widgets = {
            name: forms.NumberInput(attrs={"class": "govuk-input--width-5"}) for name in fields
        }

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            if value is not None and value < 1:
                self.add_error(name, "Enter a whole number of 1 or more")
        return cleaned


@capability_required(Capability.MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def deadline_policy_edit(request: HttpRequest, public_id) -> HttpResponse:
    partnership = get_object_or_404(
        agency_selectors.administered_partnerships(request.user), public_id=public_id
    )
    policy = DeadlinePolicy.objects.filter(partnership=partnership).first() or DeadlinePolicy(
        partnership=partnership
    )
    form = DeadlinePolicyForm(
        data=request.POST if request.method == "POST" else None, instance=policy
    )
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.created_by = saved.created_by or request.user
        saved.modified_by = request.user
        saved._history_user = request.user
        saved.save()
        messages.success(request, f"Referral deadlines of {partnership.name} saved")
        return redirect("agencies:admin-agency-list")
    return render(
        request,
        "referrals/deadline_policy_form.html",
        {"form": form, "partnership": partnership},
    )
