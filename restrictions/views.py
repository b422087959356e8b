"""Restricting a record, changing who it is open to, lifting it, and emergency access."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from agencies import access
from agencies.decorators import recent_authentication_required
from agencies.models import AccessLogEntry
from agencies.roles import Capability
from cases.models import Case, Person
from restrictions import selectors, services
from restrictions.forms import EmergencyAccessForm, LiftForm, RestrictForm, RestrictionChangeForm
from restrictions.models import Restriction


def _duration(delta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minutes"


QUERYSETS = {
    "person": Person.objects.filter(archived_at__isnull=True).select_related("owner_agency"),
    "case": Case.objects.select_related("child", "owner_agency", "lead_professional"),
}


def record_page(record) -> HttpResponse:
    if isinstance(record, Person):
        return redirect("cases:person-detail", public_id=record.public_id)
    return redirect("cases:case-detail", public_id=record.public_id)


def restricted_or_record_page(record) -> HttpResponse:
    """After lifting: the record's page, which a CSE lead who was not named may still not open
    (another restriction), or the restricted page that says so."""
    kind = "person" if isinstance(record, Person) else "case"
    return redirect(f"restrictions:restricted-{kind}", public_id=record.public_id)


def may_restrict(user, record) -> bool:
    """CSE leads and supervisors of the holding agency."""
    return access.can(user, Capability.RESTRICT_RECORDS, record)


def restriction_for(request: HttpRequest, public_id, *, lifting: bool = False) -> Restriction:
    """A current restriction the user manages: they are named on it and may restrict records
    of its agency. A CSE lead of the agency may also lift one they are not named on, so that a
    restriction whose named people have all left can be ended (those named are told).
    Otherwise 404, like a restriction that does not exist."""
    restriction = (
        Restriction.objects.filter(public_id=public_id, lifted_at__isnull=True)
        .select_related("person", "case", "agency")
        .first()
    )
    if restriction is None:
        raise Http404("No such record")
    if lifting and selectors.is_lead_of(user=request.user, agency_id=restriction.agency_id):
        return restriction
    if (
        not selectors.is_named(user=request.user, restriction=restriction)
        or not may_restrict(request.user, restriction.record)
        or not access.visible(request.user, type(restriction.record).objects)
        .filter(pk=restriction.record.pk)
        .exists()
    ):
        raise Http404("No such record")
    return restriction


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def record_restrict(request: HttpRequest, kind: str, public_id) -> HttpResponse:
    record = access.get_visible_or_404(request, QUERYSETS[kind], public_id)
    if not may_restrict(request.user, record):
        raise Http404("No such record")
    if selectors.restriction_of(record=record) is not None:
        messages.info(request, "The record is already restricted")
        return record_page(record)
    form = RestrictForm(
        data=request.POST if request.method == "POST" else None,
        candidates=services.restriction_candidates(agency=record.owner_agency).exclude(
            pk=request.user.pk
        ),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_restrict(
                record=record, reason=form.cleaned_data["reason"],
                users=list(form.cleaned_data["users"]), by=request.user,
            )  # fmt: skip
        except services.RestrictionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The record is restricted to the people named")
            return record_page(record)
    return render(
        request, "restrictions/restrict.html", {"record": record, "kind": kind, "form": form}
    )


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def restriction_change(request: HttpRequest, public_id) -> HttpResponse:
    restriction = restriction_for(request, public_id)
    named = [row.user for row in restriction.named.select_related("user")]
    form = RestrictionChangeForm(
        data=request.POST if request.method == "POST" else None,
        initial={"users": [user.public_id for user in named if user.pk != request.user.pk]},
        candidates=services.restriction_candidates(agency=restriction.agency).exclude(
            pk=request.user.pk
        ),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.restriction_update(
                restriction=restriction, users=list(form.cleaned_data["users"]),
                reason=form.cleaned_data["reason"], by=request.user,
            )  # fmt: skip
        except services.RestrictionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The people named have been changed")
            return record_page(restriction.record)
    return render(
        request,
        "restrictions/change.html",
        {"restriction": restriction, "record": restriction.record, "form": form},
    )


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def restriction_lift(request: HttpRequest, public_id) -> HttpResponse:
    restriction = restriction_for(request, public_id, lifting=True)
    form = LiftForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.restriction_lift(
                restriction=restriction, reason=form.cleaned_data["reason"], by=request.user
            )
        except services.RestrictionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The restriction has been lifted")
            return restricted_or_record_page(restriction.record)
    return render(
        request,
        "restrictions/lift.html",
        {"restriction": restriction, "record": restriction.record, "form": form},
    )


@require_http_methods(["GET", "POST"])
def restricted_record(request: HttpRequest, kind: str, public_id) -> HttpResponse:
    """What a user the access rule lets reach a restricted record sees of it: that it exists,
    who holds it, and (for those whose role allows it) the emergency access form. Anyone else
    gets 404, as for a record that does not exist."""
    queryset = QUERYSETS[kind]
    if access.visible(request.user, queryset).filter(public_id=public_id).exists():
        return record_page(queryset.get(public_id=public_id))
    record = access.reachable(request.user, queryset).filter(public_id=public_id).first()
    restrictions = selectors.restrictions_over(record=record) if record is not None else []
    if not restrictions:
        access.get_visible_or_404(request, queryset, public_id)  # logs the refusal, 404
        raise Http404("No such record")
    agency = services.emergency_agency_of(user=request.user, record=record)
    if request.method == "POST" and agency is None:
        raise Http404("No such record")
    form = EmergencyAccessForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # A case closed by both its own restriction and its child's needs both opened.
        try:
            services.emergency_accesses_open(
                restrictions=restrictions, agency=agency, reason=form.cleaned_data["reason"],
                by=request.user,
            )  # fmt: skip
        except services.RestrictionRefused:
            # Lifted meanwhile: the record is open to the user through the access rule.
            return record_page(record)
        messages.warning(
            request,
            "You have emergency access to this record. The lead professional and the CSE "
            "lead have been told.",
        )
        return record_page(record)
    if request.method == "GET":
        access.log_view(
            request, record, action=AccessLogEntry.Action.DENIED, detail={"restricted": True}
        )
    return render(
        request,
        "restrictions/restricted.html",
        {"record": record, "kind": kind, "form": form, "may_break_glass": agency is not None,
         "liftable": [r for r in restrictions
                      if selectors.is_lead_of(user=request.user, agency_id=r.agency_id)],
         "held_by": record.owner_agency, "emergency_for": _duration(settings.EMERGENCY_ACCESS_FOR)},
    )  # fmt: skip
