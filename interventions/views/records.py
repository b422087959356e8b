"""Flags, disruption activity and the location page. Every record here is reached through the
person, location or network it belongs to (agencies.access): 404 for anyone who may not."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agencies import access
from agencies.decorators import capability_required
from agencies.roles import Capability
from cases.models import Location, Person
from cases.views.network import network_for
from cases.views.person import person_for
from interventions import selectors, services
from interventions.forms import (
    DisruptionForm,
    DisruptionRemoveForm,
    FlagForm,
    FlagRemoveForm,
    FlagReviewForm,
)
from interventions.models import DisruptionActivity, ExploitationFlag

LOCATIONS = Location.objects.select_related("owner_agency")


def location_for(request: HttpRequest, public_id, capability: Capability) -> Location:
    location = access.get_visible_or_404(
        request, LOCATIONS.filter(archived_at__isnull=True), public_id
    )
    if not access.can(request.user, capability, location):
        raise Http404("No such record")
    return location


def record_for(request: HttpRequest, kind: str, public_id, capability: Capability):
    if kind == "people":
        return person_for(request, public_id, capability)
    if kind == "locations":
        return location_for(request, public_id, capability)
    return network_for(request, public_id, capability)


def record_url(record) -> str:
    if isinstance(record, Person):
        return reverse("cases:person-detail", args=[record.public_id])
    if isinstance(record, Location):
        return reverse("interventions:location-detail", args=[record.public_id])
    return reverse("cases:network-detail", args=[record.public_id])


def _refused(form, error: ValidationError) -> None:
    """A service's refusal shown on the form, at the field it names."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# The location page ---------------------------------------------------------------------------


def location_detail(request: HttpRequest, public_id) -> HttpResponse:
    location = location_for(request, public_id, Capability.VIEW_RECORDS)
    access.log_view(request, location)
    return render(
        request,
        "interventions/location_detail.html",
        {
            "location": location,
            "people": selectors.people_at_location(user=request.user, location=location),
        },
    )


# Flags --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def flag_new(request: HttpRequest, kind: str, public_id) -> HttpResponse:
    record = record_for(request, kind, public_id, Capability.EDIT_RECORDS)
    form = FlagForm(
        data=request.POST if request.method == "POST" else None,
        initial={
            "owner": request.user.public_id,
            "review_on": services.default_review_on(),
        },
        flag_types=selectors.flag_types_offered(),
        owners=selectors.flag_owner_candidates(record),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.flag_set(
                record=record,
                flag_type=data["flag_type"],
                reason=data["reason"],
                owner=data["owner"],
                review_on=data["review_on"],
                by=request.user,
            )
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, f"Flag set: {data['flag_type'].name}")
            return redirect(record_url(record))
    return render(
        request,
        "interventions/flag_form.html",
        {"form": form, "record": record, "record_url": record_url(record)},
    )


def flag_for(request: HttpRequest, public_id, capability: Capability):
    flag = (
        ExploitationFlag.objects.select_related("flag_type", "owner", "created_by")
        .filter(public_id=public_id, archived_at__isnull=True)
        .first()
    )
    if flag is None:
        raise Http404("No such record")
    if flag.person_id:
        record = person_for(request, flag.person.public_id, capability)
    else:
        record = location_for(request, flag.location.public_id, capability)
    return flag, record


@require_http_methods(["GET", "POST"])
def flag_review(request: HttpRequest, public_id) -> HttpResponse:
    flag, record = flag_for(request, public_id, Capability.EDIT_RECORDS)
    owners = selectors.flag_owner_candidates(record)
    # An owner who can no longer review the flag is not offered: whoever reviews now names
    # the next one, themself by default.
    current = flag.owner if owners.filter(pk=flag.owner_id).exists() else request.user
    form = FlagReviewForm(
        data=request.POST if request.method == "POST" else None,
        initial={"review_on": services.default_review_on(), "owner": current.public_id},
        owners=owners,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_review(
                flag=flag,
                review_on=form.cleaned_data["review_on"],
                note=form.cleaned_data["note"],
                owner=form.cleaned_data["owner"],
                by=request.user,
            )
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, "Flag reviewed")
            return redirect(record_url(record))
    return render(
        request,
        "interventions/flag_review.html",
        {"form": form, "flag": flag, "record": record, "record_url": record_url(record)},
    )


@require_http_methods(["GET", "POST"])
def flag_remove(request: HttpRequest, public_id) -> HttpResponse:
    flag, record = flag_for(request, public_id, Capability.EDIT_RECORDS)
    form = FlagRemoveForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_remove(flag=flag, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, f"Flag removed: {flag.flag_type.name}")
            return redirect(record_url(record))
    return render(
        request,
        "interventions/flag_remove.html",
        {"form": form, "flag": flag, "record": record, "record_url": record_url(record)},
    )


@capability_required(Capability.VIEW_RECORDS)
def flags_due(request: HttpRequest) -> HttpResponse:
    flags = list(selectors.flags_due_for_review(user=request.user)[:200])
    managing = any(
        m.role in selectors.FLAG_MANAGING_ROLES for m in access.user_agency_roles(request.user)
    )
    return render(
        request,
        "interventions/flags_due.html",
        {"flags": flags, "today": timezone.localdate(), "flags_for_managers": managing},
    )


# Disruption and justice activity -------------------------------------------------------------


def _may_record_disruption(request: HttpRequest, record) -> None:
    if not (
        access.can(request.user, Capability.EDIT_RECORDS, record)
        or access.can(request.user, Capability.ANALYSE, record)
    ):
        raise Http404("No such record")


@require_http_methods(["GET", "POST"])
def disruption_new(request: HttpRequest, kind: str, public_id) -> HttpResponse:
    record = record_for(request, kind, public_id, Capability.VIEW_RECORDS)
    _may_record_disruption(request, record)
    if isinstance(record, Person) and record.kind == Person.Kind.CHILD:
        raise Http404("No such page")
    form = DisruptionForm(
        data=request.POST if request.method == "POST" else None,
        agencies=selectors.disruption_agencies(record),
        initial={"agency": record.owner_agency.public_id},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            activity = services.disruption_record(
                record=record,
                type=data["type"],
                occurred_on=data["occurred_on"],
                agency=data["agency"],
                details=data["details"],
                outcome=data["outcome"],
                court_result=data["court_result"],
                by=request.user,
            )
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, f"Recorded: {activity.get_type_display()}")
            return redirect(record_url(record))
    return render(
        request,
        "interventions/disruption_form.html",
        {"form": form, "record": record, "record_url": record_url(record)},
    )


# The field of an activity naming its record, and the record's kind in URLs.
DISRUPTION_ON = (("person", "people"), ("location", "locations"), ("network", "networks"))


@require_http_methods(["GET", "POST"])
def disruption_remove(request: HttpRequest, public_id) -> HttpResponse:
    """Whoever may record disruption on the record removes an entry made in error."""
    activity = (
        DisruptionActivity.objects.filter(public_id=public_id, archived_at__isnull=True)
        .select_related("person", "location", "network", "agency")
        .first()
    )
    if activity is None:
        raise Http404("No such record")
    field, kind = next(
        (field, kind) for field, kind in DISRUPTION_ON if getattr(activity, f"{field}_id")
    )
    record = record_for(request, kind, getattr(activity, field).public_id, Capability.VIEW_RECORDS)
    _may_record_disruption(request, record)
    form = DisruptionRemoveForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.disruption_remove(
                activity=activity, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, f"Removed: {activity.get_type_display()}")
            return redirect(record_url(record))
    return render(
        request,
        "interventions/disruption_remove.html",
        {"form": form, "activity": activity, "record": record, "record_url": record_url(record)},
    )
