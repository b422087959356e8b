"""Finding people, their record page, adding details, and merging duplicates."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from agencies import access
from agencies.access_log import access_log_record
from agencies.decorators import capability_required, recent_authentication_required
from agencies.models import AccessLogEntry, Agency
from agencies.roles import Capability
from cases import matching, selectors, services
from cases.forms import (
    MergeForm,
    PersonDetailForm,
    PersonForm,
    PersonSearchForm,
    ShareForm,
    UnshareForm,
)
from cases.models import Person
from core.edits import edit_save, edit_version_add

PEOPLE = Person.objects.select_related("owner_agency")


def person_for(
    request: HttpRequest, public_id, capability: Capability, *, queryset=PEOPLE
) -> Person:
    person = access.get_visible_or_404(
        request, queryset.filter(merged_into__isnull=True), public_id
    )
    if not access.can(request.user, capability, person):
        raise Http404("No such record")
    return person


@capability_required(Capability.VIEW_RECORDS)
@require_http_methods(["GET", "POST"])
def person_search(request: HttpRequest) -> HttpResponse:
    """Searched by POST, so that names never travel in a URL or a server log."""
    form = PersonSearchForm(data=request.POST if request.method == "POST" else None)
    results = None
    if request.method == "POST" and form.is_valid():
        results = selectors.person_search(user=request.user, criteria=form.cleaned_data)
        memberships = access.user_agency_roles(request.user)
        access_log_record(
            user=request.user,
            agency_id=memberships[0].agency_id if memberships else None,
            action=AccessLogEntry.Action.SEARCH,
            record_type="person",
            detail={
                "fields": sorted(k for k, v in form.cleaned_data.items() if v not in (None, "")),
                "results": len(results),
            },
        )
    return render(request, "cases/person_search.html", {"form": form, "results": results})


def person_page(request: HttpRequest, person: Person, detail_form) -> HttpResponse:
    return render(
        request,
        "cases/person_detail.html",
        {
            "person": person,
            **selectors.person_details(person),
            "cases": selectors.case_list_visible(user=request.user).filter(child=person),
            "linked": selectors.linked_people(user=request.user, child=person),
            "detail_form": detail_form,
            "may_edit": access.can(request.user, Capability.EDIT_RECORDS, person),
            "may_link": access.can(request.user, Capability.EDIT_RECORDS, person)
            or access.can(request.user, Capability.ANALYSE, person),
            "shared_with": Agency.objects.filter(id__in=access.shared_agency_ids(person)),
            "may_share": access.can(request.user, Capability.SHARE_RECORDS, person),
            "may_merge": access.can(request.user, Capability.SIGN_OFF, person)
            and person.owner_agency_id in access.agency_ids_with(request.user, Capability.SIGN_OFF),
        },
    )


def person_detail(request: HttpRequest, public_id) -> HttpResponse:
    # Read with the person: the agencies the record is shared with (the page lists them, and
    # its panels ask can() about it), and whether its restriction and meetings panels have
    # anything to read.
    person = person_for(
        request, public_id, Capability.VIEW_RECORDS, queryset=selectors.person_page_records()
    )
    access.log_view(request, person)
    return person_page(request, person, PersonDetailForm())


@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, public_id) -> HttpResponse:
    person = person_for(request, public_id, Capability.EDIT_RECORDS)
    fields = [
        f for f in PersonForm.base_fields if person.kind != "child" or f != "first_known_date"
    ]
    initial = {name: getattr(person, name) for name in fields}
    form = PersonForm(
        data=request.POST if request.method == "POST" else None, initial=initial, kind=person.kind
    )
    edit_version_add(form, person)
    conflict = None
    if (
        request.method == "POST"
        and form.is_valid()
        and (person.kind != "child" or form.refuse_adults(on=selectors.first_contact_of(person)))
    ):
        changes = {
            k: v for k, v in form.cleaned_data.items() if k in fields and v != initial.get(k)
        }
        conflict = edit_save(
            form=form,
            save=lambda version: services.person_update(
                person=person, changes=changes, by=request.user, expected_version=version
            ),
        )
        if conflict is None:
            messages.success(request, "Details saved")
            return redirect("cases:person-detail", public_id=person.public_id)
    return render(
        request,
        "cases/person_edit.html",
        {"person": person, "form": form, "conflict": conflict},
    )


@require_http_methods(["POST"])
def person_detail_add(request: HttpRequest, public_id) -> HttpResponse:
    person = person_for(request, public_id, Capability.VIEW_RECORDS)
    # Analysts add vehicles, phones and places as well as those who record cases.
    if not (
        access.can(request.user, Capability.EDIT_RECORDS, person)
        or access.can(request.user, Capability.ANALYSE, person)
    ):
        raise Http404("No such record")
    form = PersonDetailForm(data=request.POST)
    if form.is_valid():
        services.person_detail_add(
            person=person,
            kind=form.cleaned_data["kind"],
            value=form.cleaned_data["value"],
            description=form.cleaned_data["description"],
            by=request.user,
        )
        messages.success(request, "Detail added")
        return redirect("cases:person-detail", public_id=person.public_id)
    return person_page(request, person, form)


@require_http_methods(["GET", "POST"])
def person_merge(request: HttpRequest, public_id) -> HttpResponse:
    """A supervisor of the holding agency merges a duplicate record of their agency into this
    one. Candidates are the likely matches the supervisor may see in the same agency."""
    survivor = person_for(request, public_id, Capability.SIGN_OFF)
    if survivor.owner_agency_id not in access.agency_ids_with(request.user, Capability.SIGN_OFF):
        raise Http404("No such record")
    same_agency = (
        selectors.people_visible(user=request.user)
        .filter(owner_agency=survivor.owner_agency, kind=survivor.kind)
        .exclude(pk=survivor.pk)
    )
    query = matching.MatchQuery(
        names=[f"{survivor.first_name} {survivor.last_name}", survivor.known_as],
        date_of_birth=survivor.date_of_birth,
    )
    candidates = matching.ranked_matches(query, same_agency, minimum=60)
    form = MergeForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        duplicate = next(
            (p for p, _ in candidates if p.public_id == form.cleaned_data["duplicate"]), None
        )
        if duplicate is None:
            form.add_error(None, "Select one of the records listed")
        else:
            try:
                services.person_merge(
                    survivor=survivor,
                    duplicate=duplicate,
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except services.MergeRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, "The records have been merged")
                return redirect("cases:person-detail", public_id=survivor.public_id)
    return render(
        request,
        "cases/person_merge.html",
        {"person": survivor, "candidates": candidates, "form": form},
    )


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def person_share(request: HttpRequest, public_id) -> HttpResponse:
    """The holding agency's CSE lead shares a person's record (for example a suspect another
    agency asked for)."""
    person = person_for(request, public_id, Capability.SHARE_RECORDS)
    excluded = access.shared_agency_ids(person) | {person.owner_agency_id}
    agencies = (
        Agency.objects.filter(
            partnerships__in=person.owner_agency.partnerships.all(), is_active=True
        )
        .exclude(id__in=excluded)
        .distinct()
    )
    form = ShareForm(
        data=request.POST if request.method == "POST" else None,
        agencies=agencies,
        initial={"agency": request.GET.get("agency")},
    )
    if request.method == "POST" and form.is_valid():
        agency = form.cleaned_data["agency"]
        services.person_share(
            person=person,
            agency=agency,
            reason=form.cleaned_data["reason"],
            lawful_basis=form.cleaned_data["lawful_basis"],
            consent_by=form.cleaned_data["consent_by"],
            by=request.user,
        )
        messages.success(request, f"The record has been shared with {agency.name}")
        return redirect("cases:person-detail", public_id=person.public_id)
    return render(request, "cases/person_share.html", {"person": person, "form": form})


# GET shows the form: re-authentication returns here with a GET, and must not meet a 405.
@require_http_methods(["GET", "POST"])
@recent_authentication_required
def person_unshare(request: HttpRequest, public_id, agency_id) -> HttpResponse:
    person = person_for(request, public_id, Capability.SHARE_RECORDS)
    agency = get_object_or_404(
        Agency.objects.filter(id__in=access.shared_agency_ids(person)), public_id=agency_id
    )
    form = UnshareForm(data=request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.person_unshare(
                person=person, agency=agency, reason=form.cleaned_data["reason"], by=request.user
            )
        except services.ShareStillNeeded as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"The share with {agency.name} has been withdrawn")
            return redirect("cases:person-detail", public_id=person.public_id)
    return render(
        request, "cases/person_unshare.html", {"person": person, "agency": agency, "form": form}
    )
