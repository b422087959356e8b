"""Logging a concern: about a new child (with the check for records of the same child), or on
an existing case. Everything on the page is validated together; nothing is written until all of
it is valid, and what was typed is kept."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from agencies import access
from agencies.decorators import capability_required
from agencies.models import Agency
from agencies.roles import Capability
from cases import matching, selectors, services
from cases.forms import ChildForm, ConcernForm, SuspectForm, SuspectFormSet
from cases.models import Case, Concern, Person
from cases.views.case import case_for, log_case_view
from indicators.scoring import band_of_category
from indicators.selectors import indicator_set_current

NEW_CHILD = "new"
NEW_PERSON = "new"


def recording_agency(request: HttpRequest, owner_agency: Agency | None = None) -> Agency:
    """The agency the user records for: the case's owner if they belong to it, else their first
    agency where they may record."""
    agency_ids = access.agency_ids_with(request.user, Capability.EDIT_RECORDS)
    if owner_agency is not None and owner_agency.pk in agency_ids:
        return owner_agency
    if not agency_ids:
        raise Http404("No such page")
    return Agency.objects.get(pk=agency_ids[0])


def is_police(agency: Agency) -> bool:
    return agency.type == Agency.Type.POLICE


def concern_data(
    form: ConcernForm, new_rows: list[SuspectForm], matched: list[Person]
) -> services.ConcernData:
    data = form.cleaned_data
    return services.ConcernData(
        occurred_on=data["occurred_on"],
        occurred_at_time=data["occurred_at_time"],
        place=data["place"],
        narrative=data["narrative"],
        reporter_name=data["reporter_name"],
        indicator_codes=data["indicators"],
        new_people=[
            services.PersonData(
                kind=row.cleaned_data.get("kind") or Person.Kind.SUSPECT,
                first_name=row.cleaned_data.get("first_name", ""),
                last_name=row.cleaned_data.get("last_name", ""),
                sex=row.cleaned_data.get("sex") or "unknown",
                estimated_age=row.cleaned_data.get("estimated_age"),
                aliases=[row.cleaned_data["alias"]] if row.cleaned_data.get("alias") else [],
            )
            for row in new_rows
        ],
        existing_people=[*data.get("known_people", []), *matched],
        location_type=data["location_type"],
        location_description=data["location_description"],
        location_postcode_district=data["location_postcode_district"],
        vehicles=[(data["vehicle_registration"], data["vehicle_description"])]
        if data["vehicle_registration"]
        else [],
        phones=[(data["phone_number"], data["phone_description"])] if data["phone_number"] else [],
        handling_code=data.get("handling_code") or "",
    )


def people_matched(
    request: HttpRequest, suspects: SuspectFormSet
) -> tuple[list[Person], list[SuspectForm], bool]:
    """Each person typed in is checked against the records the user may see, as a child is:
    a row with likely matches must be answered (this record, or someone new) before anything
    is written. Returns the matched records, the rows to create, and whether any row is still
    to be answered. Records the user may not see are never offered."""
    visible = None
    matched: list[Person] = []
    new_rows: list[SuspectForm] = []
    unanswered = False
    for row in suspects:
        if not row.has_content():
            continue
        if visible is None:  # built only for a form with someone typed in
            visible = selectors.people_visible(user=request.user).exclude(kind=Person.Kind.CHILD)
        data = row.cleaned_data
        query = matching.MatchQuery(
            names=[f"{data['first_name']} {data['last_name']}", data["alias"]],
            age=data["estimated_age"],
        )
        row.matches = matching.ranked_matches(query, visible, minimum=matching.LIKELY_MATCH)
        choice = request.POST.get(row.add_prefix("match"))
        chosen = next((p for p, _ in row.matches if str(p.public_id) == choice), None)
        if not row.matches or choice == NEW_PERSON:
            new_rows.append(row)
        elif chosen is not None:
            matched.append(chosen)
        else:
            unanswered = True
            if choice is not None:
                row.match_error = "Select the record of this person, or a new person"
    return matched, new_rows, unanswered


def child_query(child_form: ChildForm) -> matching.MatchQuery:
    data = child_form.cleaned_data
    return matching.MatchQuery(
        names=[f"{data['first_name']} {data['last_name']}", data["known_as"]],
        date_of_birth=data["date_of_birth"],
        age=data["estimated_age"],
    )


@capability_required(Capability.EDIT_RECORDS)
@require_http_methods(["GET", "POST"])
def concern_new_child(request: HttpRequest) -> HttpResponse:
    """Log a concern about a child not yet found in the service."""
    agency = recording_agency(request)
    indicator_set = indicator_set_current()
    post = request.POST if request.method == "POST" else None
    child_form = ChildForm(data=post, prefix="child")
    form = ConcernForm(
        data=post, prefix="concern", indicator_set=indicator_set, police=is_police(agency)
    )
    suspects = SuspectFormSet(data=post, prefix="suspect")
    context = {"child_form": child_form, "form": form, "suspects": suspects, "case": None}
    if request.method == "POST" and "add_suspect" in request.POST:
        suspects = add_suspect_row(request, "suspect")
        context["suspects"] = suspects
        return render(request, "cases/concern_form.html", context)
    valid = request.method == "POST" and all(
        [child_form.is_valid(), form.is_valid(), suspects.is_valid()]
    )
    if not valid or not child_form.refuse_adults(on=form.cleaned_data["occurred_on"]):
        return render(request, "cases/concern_form.html", context)

    query = child_query(child_form)
    choice = request.POST.get("match_choice")
    visible_matches = matching.ranked_matches(
        query,
        selectors.people_visible(user=request.user).filter(kind=Person.Kind.CHILD),
        minimum=matching.LIKELY_MATCH,
    )
    matched, new_rows, unanswered = people_matched(request, suspects)
    if (visible_matches and choice is None) or unanswered:
        context["matches"] = visible_matches
        return render(request, "cases/concern_form.html", context)

    submit = "save_draft" not in request.POST
    data = concern_data(form, new_rows, matched)
    if choice and choice != NEW_CHILD:
        chosen = next((p for p, _ in visible_matches if str(p.public_id) == choice), None)
        if chosen is None:
            context["matches"] = visible_matches
            context["match_error"] = "Select the child this concern is about, or a new child"
            return render(request, "cases/concern_form.html", context)
        concern = services.child_concern_log(
            child=chosen,
            case=selectors.case_list_visible(user=request.user)
            .filter(child=chosen, status=Case.Status.OPEN)
            .first(),
            data=data,
            reporter_agency=agency,
            indicator_set=indicator_set,
            submit=submit,
            by=request.user,
        )
        return redirect("cases:concern-detail", public_id=concern.public_id)

    child_data = child_form.cleaned_data
    logged = services.new_child_concern_log(
        query=query,
        child=services.PersonData(
            kind=Person.Kind.CHILD,
            first_name=child_data["first_name"],
            last_name=child_data["last_name"],
            known_as=child_data["known_as"],
            date_of_birth=child_data["date_of_birth"],
            estimated_age=child_data["estimated_age"],
            sex=child_data["sex"],
            ethnicity=child_data["ethnicity"],
            nationality=child_data["nationality"],
        ),
        data=data,
        reporter_agency=agency,
        indicator_set=indicator_set,
        submit=submit,
        by=request.user,
    )
    if logged.held_elsewhere:
        if any(p.owner_agency_id != agency.pk for p in logged.held_elsewhere):
            messages.warning(
                request,
                "A possible match for this child is held by another agency. Their CSE lead has "
                "been told and may share their record with your agency.",
            )
        else:
            messages.warning(
                request,
                "A possible match for this child is a restricted record of your agency. Your CSE "
                "lead has been told.",
            )
    return redirect("cases:concern-detail", public_id=logged.concern.public_id)


def add_suspect_row(request: HttpRequest, prefix: str) -> SuspectFormSet:
    """The same formset with one more empty row (works without JavaScript)."""
    data = request.POST.copy()
    total = int(data.get(f"{prefix}-TOTAL_FORMS", "1"))
    data[f"{prefix}-TOTAL_FORMS"] = str(min(total + 1, 10))
    return SuspectFormSet(data=data, prefix=prefix)


def known_people(request: HttpRequest, case: Case) -> list[Person]:
    """The people linked to the child whose records the user may see."""
    return [
        link.person
        for link in selectors.linked_people(user=request.user, child=case.child)
        if not link.restricted
    ]


@require_http_methods(["GET", "POST"])
def concern_new_for_case(request: HttpRequest, public_id) -> HttpResponse:
    case = case_for(request, public_id, Capability.EDIT_RECORDS)
    agency = recording_agency(request, case.owner_agency)
    indicator_set = indicator_set_current()
    post = request.POST if request.method == "POST" else None
    form = ConcernForm(
        data=post,
        prefix="concern",
        indicator_set=indicator_set,
        known_people=known_people(request, case),
        police=is_police(agency),
    )
    suspects = SuspectFormSet(data=post, prefix="suspect")
    context = {"form": form, "suspects": suspects, "case": case}
    if request.method == "POST" and "add_suspect" in request.POST:
        context["suspects"] = add_suspect_row(request, "suspect")
        return render(request, "cases/concern_form.html", context)
    if request.method == "POST" and form.is_valid() and suspects.is_valid():
        matched, new_rows, unanswered = people_matched(request, suspects)
        if not unanswered:
            concern = services.concern_log(
                case=case,
                data=concern_data(form, new_rows, matched),
                reporter_agency=agency,
                indicator_set=indicator_set,
                submit="save_draft" not in request.POST,
                by=request.user,
            )
            return redirect("cases:concern-detail", public_id=concern.public_id)
    return render(request, "cases/concern_form.html", context)


def concern_initial(concern: Concern) -> dict:
    location = concern.locations.select_related("location").first()
    vehicle = concern.details.filter(type="vehicle").first()
    phone = concern.details.filter(type="phone").first()
    return {
        "occurred_on": concern.occurred_on,
        "occurred_at_time": concern.occurred_at_time,
        "place": concern.place,
        "narrative": concern.narrative,
        "reporter_name": concern.reporter_name,
        "indicators": concern.indicator_codes,
        "known_people": [str(link.person.public_id) for link in concern.people.all()],
        "location_type": location.location.type if location else "",
        "location_description": location.location.description if location else "",
        "location_postcode_district": location.location.postcode_district if location else "",
        "vehicle_registration": vehicle.value if vehicle else "",
        "vehicle_description": vehicle.description if vehicle else "",
        "phone_number": phone.value if phone else "",
        "phone_description": phone.description if phone else "",
        "handling_code": concern.handling_code,
    }


@require_http_methods(["GET", "POST"])
def concern_edit(request: HttpRequest, public_id) -> HttpResponse:
    """Complete a draft concern (a submitted concern is final; add a case note instead)."""
    concern = concern_for(request, public_id, Capability.EDIT_RECORDS)
    if concern.status != Concern.Status.DRAFT:
        messages.info(request, "This concern has been submitted: add a case note to correct it")
        return redirect("cases:concern-detail", public_id=concern.public_id)
    linked = concern.people.select_related("person")
    visible_ids = set(
        selectors.people_visible(user=request.user)
        .filter(pk__in=[link.person_id for link in linked])
        .values_list("pk", flat=True)
    )
    offered = {p.pk: p for p in known_people(request, concern.case)}
    offered.update(
        {link.person_id: link.person for link in linked if link.person_id in visible_ids}
    )
    # Links to people the user may no longer see are kept as they are: nobody unticks them.
    unseen = [link.person for link in linked if link.person_id not in visible_ids]
    post = request.POST if request.method == "POST" else None
    form = ConcernForm(
        data=post,
        prefix="concern",
        indicator_set=concern.indicator_set,
        known_people=list(offered.values()),
        initial=concern_initial(concern),
        police=is_police(concern.reporter_agency),
    )
    suspects = SuspectFormSet(data=post, prefix="suspect")
    context = {"form": form, "suspects": suspects, "case": concern.case, "concern": concern}
    if request.method == "POST" and "add_suspect" in request.POST:
        context["suspects"] = add_suspect_row(request, "suspect")
        return render(request, "cases/concern_form.html", context)
    if request.method == "POST" and form.is_valid() and suspects.is_valid():
        matched, new_rows, unanswered = people_matched(request, suspects)
        if not unanswered:
            services.concern_draft_update(
                concern=concern,
                data=concern_data(form, new_rows, [*matched, *unseen]),
                submit="save_draft" not in request.POST,
                by=request.user,
            )
            messages.success(
                request, "Draft saved" if "save_draft" in request.POST else "Concern submitted"
            )
            return redirect("cases:concern-detail", public_id=concern.public_id)
    return render(request, "cases/concern_form.html", context)


def concern_for(request: HttpRequest, public_id, capability: Capability) -> Concern:
    concern = (
        Concern.objects.select_related("case", "case__child", "reporter_agency", "indicator_set")
        .filter(public_id=public_id)
        .first()
    )
    if concern is None:
        raise Http404("No such record")
    case_for(request, concern.case.public_id, capability)
    if (
        not selectors.concerns_of_case(user=request.user, case=concern.case)
        .filter(pk=concern.pk)
        .exists()
    ):
        raise Http404("No such record")
    return concern


def concern_detail(request: HttpRequest, public_id) -> HttpResponse:
    concern = concern_for(request, public_id, Capability.VIEW_RECORDS)
    log_case_view(request, concern.case)
    indicators = concern.indicator_set.indicators.filter(code__in=concern.indicator_codes)
    band = (
        band_of_category(concern.indicator_set, concern.provisional_category)
        if concern.provisional_category
        else None
    )
    links = list(concern.people.select_related("person", "person__owner_agency"))
    shown = set(
        selectors.people_visible(user=request.user)
        .filter(pk__in=[link.person_id for link in links])
        .values_list("pk", flat=True)
    )
    for link in links:
        # Someone whose record the user may not see is named only by who holds them.
        link.shown = link.person_id in shown
    return render(
        request,
        "cases/concern_detail.html",
        {
            "concern": concern,
            "case": concern.case,
            "indicators": indicators,
            "band": band,
            "people": links,
            "locations": concern.locations.select_related("location"),
            "details": concern.details.all(),
            "may_edit": access.can(request.user, Capability.EDIT_RECORDS, concern.case),
        },
    )


@require_POST
def concern_submit(request: HttpRequest, public_id) -> HttpResponse:
    concern = concern_for(request, public_id, Capability.EDIT_RECORDS)
    services.concern_submit(concern=concern, by=request.user)
    messages.success(request, "Concern submitted")
    return redirect("cases:concern-detail", public_id=concern.public_id)
