"""Recording a missing episode on a child's case, and completing it as it unfolds."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from agencies.roles import Capability
from cases import selectors, services
from cases.forms import MissingEpisodeForm
from cases.models import MissingEpisode
from cases.views.case import case_for


@require_http_methods(["GET", "POST"])
def missing_episode_new(request: HttpRequest, public_id) -> HttpResponse:
    case = case_for(request, public_id, Capability.EDIT_RECORDS)
    form = MissingEpisodeForm(
        data=request.POST if request.method == "POST" else None,
        initial={"type": "missing"},
        concerns=selectors.concerns_of_case(user=request.user, case=case),
    )
    if request.method == "POST" and form.is_valid():
        services.missing_episode_record(case=case, by=request.user, **form.cleaned_data)
        messages.success(request, "Missing episode recorded")
        return redirect("cases:case-detail", public_id=case.public_id)
    return render(request, "cases/missing_episode_form.html", {"case": case, "form": form})


@require_http_methods(["GET", "POST"])
def missing_episode_edit(request: HttpRequest, public_id) -> HttpResponse:
    episode = MissingEpisode.objects.filter(public_id=public_id, archived_at__isnull=True).first()
    if episode is None:
        raise Http404("No such record")
    case = case_for(request, episode.case.public_id, Capability.EDIT_RECORDS)
    initial = {name: getattr(episode, name) for name in services.MISSING_EPISODE_FIELDS}
    initial["concerns"] = [str(c.public_id) for c in episode.concerns.all()]
    form = MissingEpisodeForm(
        data=request.POST if request.method == "POST" else None,
        initial=initial,
        concerns=selectors.concerns_of_case(user=request.user, case=case),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        shown = selectors.concerns_of_case(user=request.user, case=case)
        # Links to concerns the user may not see (a handling code) stay as they are.
        unseen = list(episode.concerns.exclude(pk__in=shown.values("pk")))
        concerns = [*data.pop("concerns", []), *unseen]
        services.missing_episode_update(
            episode=episode,
            changes={k: v for k, v in data.items() if v != initial[k]},
            concerns=concerns,
            by=request.user,
        )
        messages.success(request, "Missing episode saved")
        return redirect("cases:case-detail", public_id=case.public_id)
    return render(
        request,
        "cases/missing_episode_form.html",
        {"case": case, "form": form, "episode": episode},
    )
