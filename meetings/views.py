"""Pages of multi-agency meetings. Who may see or do what is decided in meetings.selectors."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from agencies import access
from agencies.access_log import access_log_records
from agencies.decorators import capability_required
from agencies.models import AccessLogEntry, Agency, Partnership
from agencies.roles import Capability
from cases.models import Case, Location, Network, Person
from core.edits import edit_save, edit_version_add
from meetings import selectors, services
from meetings.forms import (
    ActionForm,
    ActionUpdateForm,
    AgendaItemAddForm,
    ContributionForm,
    ItemWithdrawForm,
    MeetingEditForm,
    MeetingNewForm,
    OutcomeForm,
)
from meetings.models import AgendaItem, Meeting

# Only live records go on an agenda: not an archived one, nor one merged into another.
SUBJECTS = {
    "case": Case.objects.filter(archived_at__isnull=True).select_related("child", "owner_agency"),
    "person": Person.objects.filter(
        archived_at__isnull=True, merged_into__isnull=True
    ).select_related("owner_agency"),
    "location": Location.objects.filter(archived_at__isnull=True).select_related("owner_agency"),
    "network": Network.objects.filter(archived_at__isnull=True).select_related("owner_agency"),
}


def _log_items(request: HttpRequest, views, *, action: str, meeting: Meeting) -> None:
    """The access log holds each record whose discussion was shown (DPA 2018 s.62), under the
    user's agency that reaches it, as a record's own page logs it."""
    records = [view.item.subject for view in views if view.open]
    acting = selectors.acting_agency_of_records(
        user=request.user, records=records, through=selectors.attending_agency_ids(meeting)
    )
    by_agency: dict[int | None, list] = {}
    for record in records:
        by_agency.setdefault(acting.get((record._meta.model_name, record.pk)), []).append(record)
    for agency_id, shown in by_agency.items():
        access_log_records(
            user=request.user,
            agency_id=agency_id,
            action=action,
            records=shown,
            detail={"meeting": str(meeting.public_id)},
        )


@capability_required(Capability.VIEW_RECORDS)
def meeting_list(request: HttpRequest) -> HttpResponse:
    meetings = selectors.meetings_visible(user=request.user).order_by("-held_on", "-created_at")
    page = Paginator(meetings, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "page": page,
            "meetings": page.object_list,
            "today": timezone.localdate(),
            "may_arrange": bool(access.agency_ids_with(request.user, Capability.CHAIR_MEETINGS)),
            "due": selectors.items_due_for_review(user=request.user),
        },
    )


def _chairing_agencies(request: HttpRequest):
    return Agency.objects.filter(
        pk__in=access.agency_ids_with(request.user, Capability.CHAIR_MEETINGS)
    )


@capability_required(Capability.CHAIR_MEETINGS)
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    chairing = _chairing_agencies(request)
    partnerships = Partnership.objects.filter(agencies__in=chairing).distinct()
    agencies = Agency.objects.filter(partnerships__in=partnerships, is_active=True).distinct()
    form = MeetingNewForm(
        data=request.POST if request.method == "POST" else None,
        partnerships=partnerships,
        agencies=agencies,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        meeting = services.meeting_create(
            partnership=data["partnership"],
            title=data["title"],
            held_on=data["held_on"],
            starts_at=data["starts_at"],
            venue=data["venue"],
            chair=request.user,
            chair_agency=chairing.filter(partnerships=data["partnership"]).first(),
            agencies=list(data["agencies"]),
            by=request.user,
        )
        messages.success(request, "Meeting arranged: add children, suspects and places to it")
        return redirect("meetings:meeting-detail", public_id=meeting.public_id)
    return render(request, "meetings/meeting_new.html", {"form": form})


def _minutes_page(request: HttpRequest, public_id, *, template: str, action: str, **context):
    meeting = selectors.meeting_for(request, public_id)
    items = selectors.items_as_seen(user=request.user, meeting=meeting)
    _log_items(request, items, action=action, meeting=meeting)
    return render(
        request,
        template,
        {
            "meeting": meeting,
            "attendance": meeting.attendance.select_related("agency"),
            "items": items,
            "may_arrange": selectors.may_arrange(user=request.user, meeting=meeting),
            "today": timezone.localdate(),
            **context,
        },
    )


def meeting_detail(request: HttpRequest, public_id) -> HttpResponse:
    return _minutes_page(
        request,
        public_id,
        template="meetings/meeting_detail.html",
        action=AccessLogEntry.Action.VIEW,
    )


def meeting_print(request: HttpRequest, public_id) -> HttpResponse:
    return _minutes_page(
        request,
        public_id,
        template="meetings/meeting_print.html",
        action=AccessLogEntry.Action.PRINT,
        printed_at=timezone.now(),
    )


def _saved_meeting_value(meeting: Meeting, name: str):
    """What is saved now for a field of the meeting's form, to compare with what was typed."""
    if name == "agencies":
        return [
            row.agency
            for row in meeting.attendance.select_related("agency")
            if row.agency_id != meeting.chair_agency_id
        ]
    if name.startswith("attendees_"):
        row = meeting.attendance.filter(agency__public_id=name.removeprefix("attendees_")).first()
        return row.attendees if row else ""
    return getattr(meeting, name, None)


@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, public_id) -> HttpResponse:
    meeting = selectors.meeting_for(request, public_id)
    if not selectors.may_arrange(user=request.user, meeting=meeting):
        raise Http404("No such meeting")
    attendance = list(meeting.attendance.select_related("agency"))
    agencies = Agency.objects.filter(partnerships=meeting.partnership, is_active=True).exclude(
        pk=meeting.chair_agency_id
    )
    initial = {
        "title": meeting.title,
        "held_on": meeting.held_on,
        "starts_at": meeting.starts_at,
        "venue": meeting.venue,
        "status": meeting.status,
        "agencies": [row.agency for row in attendance if row.agency_id != meeting.chair_agency_id],
        **{f"attendees_{row.agency.public_id}": row.attendees for row in attendance},
    }
    form = MeetingEditForm(
        data=request.POST if request.method == "POST" else None,
        initial=initial,
        agencies=agencies,
        attendance=attendance,
    )
    edit_version_add(form, meeting)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {
            name: data[name] for name in ("title", "held_on", "starts_at", "venue", "status")
        }
        # An attending agency no longer offered (deactivated, or gone from the partnership)
        # stays: only an agency unticked here leaves the meeting.
        offered = set(agencies.values_list("pk", flat=True))
        kept = [row.agency for row in attendance if row.agency_id not in offered]
        try:
            conflict = edit_save(
                form=form,
                save=lambda version: services.meeting_update(
                    meeting=meeting,
                    changes=changes,
                    agencies=[*data["agencies"], *kept],
                    attendees=form.attendees(),
                    by=request.user,
                    expected_version=version,
                ),
                saved_value=_saved_meeting_value,
                merge_by_history=False,
            )
        except ValidationError as error:
            form.add_error("agencies", error.messages[0])
        else:
            if conflict is None:
                messages.success(request, "Meeting saved")
                return redirect("meetings:meeting-detail", public_id=meeting.public_id)
    return render(
        request,
        "meetings/meeting_edit.html",
        {"meeting": meeting, "form": form, "conflict": conflict},
    )


@require_http_methods(["GET", "POST"])
def agenda_item_new(request: HttpRequest, kind: str, public_id) -> HttpResponse:
    """Put a record the user may see on a meeting their agency arranges."""
    if kind not in SUBJECTS or not access.agency_ids_with(request.user, Capability.CHAIR_MEETINGS):
        raise Http404("No such page")
    subject = access.get_visible_or_404(request, SUBJECTS[kind], public_id)
    meetings = selectors.meetings_arranged_by(user=request.user).order_by("held_on")
    form = AgendaItemAddForm(
        data=request.POST if request.method == "POST" else None, meetings=meetings
    )
    if request.method == "POST" and form.is_valid():
        item = services.agenda_item_add(
            meeting=form.cleaned_data["meeting"], kind=kind, subject=subject, by=request.user
        )
        messages.success(request, f"Added to the agenda as item {item.position}")
        return redirect("meetings:meeting-detail", public_id=item.meeting.public_id)
    label = selectors.item_label(AgendaItem(kind=kind, **{kind: subject}), open=True)
    return render(
        request,
        "meetings/agenda_item_new.html",
        {"form": form, "label": label, "has_meetings": meetings.exists()},
    )


def _item_page(request: HttpRequest, item: AgendaItem, **forms) -> HttpResponse:
    """The item with its minutes and, for whoever may use them, the forms (a form posted with
    errors comes back with what was typed)."""
    meeting = item.meeting
    cancelled = meeting.status == Meeting.Status.CANCELLED
    agency = None if cancelled else selectors.contributing_agency(user=request.user, item=item)
    may_arrange = not cancelled and selectors.may_arrange(user=request.user, meeting=meeting)
    attending = Agency.objects.filter(pk__in=selectors.attending_agency_ids(meeting))
    view = selectors.ItemView(item=item, open=True, label=selectors.item_label(item, open=True))
    access.log_view(request, item.subject, detail={"meeting": str(meeting.public_id)})
    context = {
        "meeting": meeting,
        "view": view,
        "item": item,
        "agency": agency,
        "may_arrange": may_arrange,
        "today": timezone.localdate(),
    }
    if agency is not None:
        context["contribution_form"] = forms.get("contribution_form") or ContributionForm()
        context["action_form"] = forms.get("action_form") or ActionForm(
            agencies=attending, owners=selectors.owner_choices(meeting=meeting)
        )
    if may_arrange:
        context["outcome_form"] = forms.get("outcome_form") or OutcomeForm(
            initial={
                "risk_category": item.risk_category,
                "decisions": item.decisions,
                "next_review_on": item.next_review_on,
            }
        )
    forms_shown = [context.get(n) for n in ("contribution_form", "outcome_form", "action_form")]
    context["form"] = next((f for f in forms_shown if f is not None and f.errors), None)
    return render(request, "meetings/agenda_item.html", context)


def agenda_item_detail(request: HttpRequest, public_id) -> HttpResponse:
    return _item_page(request, selectors.item_for(request, public_id))


def _refused_when_cancelled(request: HttpRequest, item: AgendaItem) -> HttpResponse | None:
    if item.meeting.status != Meeting.Status.CANCELLED:
        return None
    messages.error(request, "This meeting was cancelled: nothing more can be recorded at it")
    return redirect("meetings:item-detail", public_id=item.public_id)


@require_POST
def agenda_item_information(request: HttpRequest, public_id) -> HttpResponse:
    item = selectors.item_for(request, public_id)
    if refused := _refused_when_cancelled(request, item):
        return refused
    agency = selectors.contributing_agency(user=request.user, item=item)
    if agency is None:
        raise Http404("No such item")
    form = ContributionForm(data=request.POST)
    if not form.is_valid():
        return _item_page(request, item, contribution_form=form)
    services.agenda_contribution_add(
        item=item, agency=agency, text=form.cleaned_data["text"], by=request.user
    )
    messages.success(request, f"Information from {agency.name} recorded")
    return redirect("meetings:item-detail", public_id=item.public_id)


@require_POST
def agenda_item_outcome(request: HttpRequest, public_id) -> HttpResponse:
    item = selectors.item_for(request, public_id)
    if not selectors.may_arrange(user=request.user, meeting=item.meeting):
        raise Http404("No such item")
    if refused := _refused_when_cancelled(request, item):
        return refused
    form = OutcomeForm(data=request.POST)
    if not form.is_valid():
        return _item_page(request, item, outcome_form=form)
    services.agenda_item_outcome_record(item=item, **form.cleaned_data, by=request.user)
    messages.success(request, "What the meeting agreed is recorded")
    return redirect("meetings:item-detail", public_id=item.public_id)


@require_http_methods(["GET", "POST"])
def agenda_item_withdraw(request: HttpRequest, public_id) -> HttpResponse:
    """The chair's agency takes an item off the agenda, with the reason."""
    item = selectors.item_for(request, public_id)
    if not selectors.may_arrange(user=request.user, meeting=item.meeting):
        raise Http404("No such item")
    if refused := _refused_when_cancelled(request, item):
        return refused
    form = ItemWithdrawForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.agenda_item_withdraw(
            item=item, reason=form.cleaned_data["reason"], by=request.user
        )
        messages.success(request, f"Item {item.position} withdrawn from the agenda")
        return redirect("meetings:meeting-detail", public_id=item.meeting.public_id)
    label = selectors.item_label(item, open=True)
    return render(
        request,
        "meetings/agenda_item_withdraw.html",
        {"form": form, "item": item, "meeting": item.meeting, "label": label},
    )


@require_POST
def meeting_action_new(request: HttpRequest, public_id) -> HttpResponse:
    item = selectors.item_for(request, public_id)
    if selectors.contributing_agency(user=request.user, item=item) is None:
        raise Http404("No such item")
    if refused := _refused_when_cancelled(request, item):
        return refused
    meeting = item.meeting
    form = ActionForm(
        data=request.POST,
        agencies=Agency.objects.filter(pk__in=selectors.attending_agency_ids(meeting)),
        owners=selectors.owner_choices(meeting=meeting),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_action_add(
                item=item,
                description=data["description"],
                owner_agency=data["owner_agency"],
                owner=data["owner"].user if data["owner"] else None,
                due_on=data["due_on"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error("owner_agency", error.messages[0])
        else:
            messages.success(request, f"Action given to {data['owner_agency'].name}")
            return redirect("meetings:item-detail", public_id=item.public_id)
    return _item_page(request, item, action_form=form)


@require_http_methods(["GET", "POST"])
def meeting_action_edit(request: HttpRequest, public_id) -> HttpResponse:
    action = selectors.action_for(request, public_id)
    item = action.item
    if selectors.contributing_agency(user=request.user, item=item) is None:
        raise Http404("No such action")
    initial = {"status": action.status, "status_note": action.status_note, "due_on": action.due_on}
    form = ActionUpdateForm(
        data=request.POST if request.method == "POST" else None, initial=initial
    )
    edit_version_add(form, action)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        conflict = edit_save(
            form=form,
            save=lambda version: services.meeting_action_update(
                action=action,
                status=data["status"],
                status_note=data["status_note"],
                due_on=data["due_on"],
                by=request.user,
                expected_version=version,
            ),
            merge_by_history=False,
        )
        if conflict is None:
            messages.success(request, "Action updated")
            return redirect("meetings:item-detail", public_id=item.public_id)
    return render(
        request,
        "meetings/action_edit.html",
        {"action": action, "item": item, "form": form, "conflict": conflict},
    )
