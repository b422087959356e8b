"""Recording a missing episode on a child's case."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from agencies.roles import Capability
from cases import services
from cases.forms import MissingEpisodeForm
from cases.views.case import case_for


@require_http_methods(["GET", "POST"])
def missing_episode_new(request: HttpRequest, public_id) -> HttpResponse:
    case = case_for(request, public_id, Capability.EDIT_RECORDS)
    form = MissingEpisodeForm(
        data=request.POST if request.method == "POST" else None, initial={"type": "missing"}
    )
    if request.method == "POST" and form.is_valid():
        services.missing_episode_record(case=case, by=request.user, **form.cleaned_data)
        messages.success(request, "Missing episode recorded")
        return redirect("cases:case-detail", public_id=case.public_id)
    return render(request, "cases/missing_episode_form.html", {"case": case, "form": form})
