"""History pages: every change to a record and what belongs to it, to those who may see it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from agencies import access
from agencies.roles import Capability
from cases import history
from cases.history import Change
from cases.views.case import case_for, log_case_view
from cases.views.concern import concern_for
from cases.views.network import network_for
from cases.views.person import person_for


def _page(request: HttpRequest, *, what: str, back_url: str, changes: list[Change]):
    return render(
        request,
        "cases/record_history.html",
        {"what": what, "back_url": back_url, "changes": changes},
    )


def case_history(request: HttpRequest, public_id) -> HttpResponse:
    case = case_for(request, public_id, Capability.VIEW_RECORDS)
    log_case_view(request, case)
    return _page(
        request,
        what="case",
        back_url=reverse("cases:case-detail", args=[case.public_id]),
        changes=history.case_history(case, user=request.user),
    )


def person_history(request: HttpRequest, public_id) -> HttpResponse:
    person = person_for(request, public_id, Capability.VIEW_RECORDS)
    access.log_view(request, person)
    return _page(
        request,
        what="record",
        back_url=reverse("cases:person-detail", args=[person.public_id]),
        changes=history.person_history(person),
    )


def concern_history(request: HttpRequest, public_id) -> HttpResponse:
    concern = concern_for(request, public_id, Capability.VIEW_RECORDS)
    log_case_view(request, concern.case)
    return _page(
        request,
        what="concern",
        back_url=reverse("cases:concern-detail", args=[concern.public_id]),
        changes=history.concern_history(concern, user=request.user),
    )


def network_history(request: HttpRequest, public_id) -> HttpResponse:
    network = network_for(request, public_id, Capability.VIEW_RECORDS)
    access.log_view(request, network)
    return _page(
        request,
        what="network",
        back_url=reverse("cases:network-detail", args=[network.public_id]),
        changes=history.network_history(network, user=request.user),
    )
