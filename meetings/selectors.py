"""Who may see and do what in a meeting, and the reads of meetings, items and actions.

A meeting is open to the attending agencies' members whose role opens records. Within it, an
agenda item (its information, decisions and actions) is open only to users who may see the
item's record through the access rule: everyone else sees that the item exists, whose record
it is and nothing more, as the access rule shows a linked suspect held elsewhere.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone

from agencies import access
from agencies.access_log import access_log_record
from agencies.models import AccessLogEntry, Agency, Membership, User
from agencies.roles import ROLE_CAPABILITIES, Capability
from cases.models import Case, Location, Network, Person
from meetings.models import AgendaItem, Meeting, MeetingAction, MeetingAgency

SUBJECT_MODELS = {"case": Case, "person": Person, "location": Location, "network": Network}
KIND_OF_MODEL = {model: kind for kind, model in SUBJECT_MODELS.items()}
CONTRIBUTE = (Capability.EDIT_RECORDS, Capability.ANALYSE)
REVIEW_INTERVAL = timedelta(weeks=12)
# Roles that record or analyse: they share information, take actions and own them.
CONTRIBUTING_ROLES = frozenset(
    role for role, capabilities in ROLE_CAPABILITIES.items() if capabilities & set(CONTRIBUTE)
)


def _record_agency_ids(user: User) -> list[int]:
    return [m.agency_id for m in access.record_agencies(user)]


def meetings_visible(*, user: User) -> QuerySet[Meeting]:
    """Meetings attended by one of the user's agencies, through a role that opens records."""
    return (
        Meeting.objects.filter(
            archived_at__isnull=True, attendance__agency_id__in=_record_agency_ids(user)
        )
        .distinct()
        .select_related("partnership", "chair", "chair_agency")
    )


def meeting_for(request: HttpRequest, public_id) -> Meeting:
    meeting = meetings_visible(user=request.user).filter(public_id=public_id).first()
    if meeting is None:
        raise Http404("No such meeting")
    return meeting


def may_arrange(*, user: User, meeting: Meeting) -> bool:
    """The chair's agency runs the meeting: its members who may chair meetings edit it and
    record what is agreed."""
    return meeting.chair_agency_id in access.agency_ids_with(user, Capability.CHAIR_MEETINGS)


def attending_agency_ids(meeting: Meeting) -> set[int]:
    return set(meeting.attendance.values_list("agency_id", flat=True))


def subject_visible(*, user: User, item: AgendaItem) -> bool:
    """Whether the user may see the item's record as a member of an agency attending its
    meeting: another agency of theirs that does not attend opens nothing in the minutes."""
    model = SUBJECT_MODELS[item.kind]
    return access.visible(
        user, model.objects.filter(pk=item.subject_id), through=attending_agency_ids(item.meeting)
    ).exists()


def agency_sees(*, agency: Agency, record) -> bool:
    """Whether `agency` holds `record` or it was shared with it (for giving it an action)."""
    return record.owner_agency_id == agency.pk or agency.pk in access.shared_agency_ids(record)


def item_for(request: HttpRequest, public_id) -> AgendaItem:
    """An item of a meeting the user's agency attends, about a record the user may see."""
    item = (
        AgendaItem.objects.filter(
            public_id=public_id,
            archived_at__isnull=True,
            meeting__in=meetings_visible(user=request.user),
        )
        .select_related("meeting__chair_agency", "meeting__partnership")
        .prefetch_related("contributions__agency", "actions__owner_agency", "actions__owner")
        .first()
    )
    if item is None:
        raise Http404("No such item")
    if not subject_visible(user=request.user, item=item):
        # Refused like any record the user may not see: logged, and answered as missing.
        memberships = access.user_agency_roles(request.user)
        access_log_record(
            user=request.user,
            agency_id=memberships[0].agency_id if memberships else None,
            action=AccessLogEntry.Action.DENIED,
            record=item.subject,
            detail={"meeting": str(item.meeting.public_id)},
        )
        raise Http404("No such item")
    return item


def contributing_agency(*, user: User, item: AgendaItem) -> Agency | None:
    """The attending agency through which the user records information and actions on the item:
    one where the user may record or analyse and that may see the item's record."""
    attending = attending_agency_ids(item.meeting)
    reachable = {m.agency_id for m in access.acting_agencies(user, item.subject)}
    for capability in CONTRIBUTE:
        for agency_id in access.agency_ids_with(user, capability):
            if agency_id in attending and agency_id in reachable:
                return Agency.objects.get(pk=agency_id)
    return None


@dataclass
class ItemView:
    """An agenda item as one user sees it: open, or restricted to whose record it is."""

    item: AgendaItem
    open: bool
    label: str

    @property
    def subject_url(self) -> str:
        return subject_url(self.item) if self.open else ""


SUBJECT_PAGES = {
    "case": "cases:case-detail",
    "person": "cases:person-detail",
    "location": "interventions:location-detail",
    "network": "cases:network-detail",
}


def subject_url(item: AgendaItem) -> str:
    return reverse(SUBJECT_PAGES[item.kind], args=[item.subject.public_id])


def item_label(item: AgendaItem, *, open: bool) -> str:
    subject = item.subject
    if not open:
        if item.kind == "person":
            kind = f"A {subject.get_kind_display().lower()}"
        else:
            kind = {"case": "A child's case", "location": "A place", "network": "A network"}[
                item.kind
            ]
        return f"{kind} held by {subject.owner_agency.name}"
    if item.kind == "case":
        return f"{subject.child} (case held by {subject.owner_agency.name})"
    if item.kind == "person":
        return f"{subject} ({subject.get_kind_display().lower()})"
    if item.kind == "location":
        return f"{subject}{': ' + subject.description if subject.description else ''}"
    return f"{subject.name} (network)"


def _visible_subject_ids(
    *, user: User, items: list[AgendaItem], through: set[int]
) -> dict[str, set[int]]:
    """For each kind of record, which of the items' records the user may see as a member of
    the agencies `through` (one query per kind present)."""
    open_ids: dict[str, set[int]] = {}
    for kind, model in SUBJECT_MODELS.items():
        ids = [item.subject_id for item in items if item.kind == kind]
        records = access.visible(user, model.objects.filter(pk__in=ids), through=through)
        open_ids[kind] = set(records.values_list("pk", flat=True)) if ids else set()
    return open_ids


def items_as_seen(*, user: User, meeting: Meeting) -> list[ItemView]:
    """The meeting's items in agenda order, each open or restricted for `user`; one access
    query per kind of record on the agenda, never one per item."""
    items = list(
        meeting.items.filter(archived_at__isnull=True)
        .select_related(
            "case__child",
            "case__owner_agency",
            "person__owner_agency",
            "location__owner_agency",
            "network__owner_agency",
        )
        .prefetch_related("contributions__agency", "actions__owner_agency", "actions__owner")
    )
    open_ids = _visible_subject_ids(user=user, items=items, through=attending_agency_ids(meeting))
    views = []
    for item in items:
        is_open = item.subject_id in open_ids[item.kind]
        views.append(ItemView(item=item, open=is_open, label=item_label(item, open=is_open)))
    return views


def acting_agency_of_records(
    *, user: User, records: list, through: set[int]
) -> dict[tuple[str, int], int]:
    """For each record, the user's agency among `through` that reaches it (its holder, or an
    agency it is shared with), keyed by (model name, pk): one grants query per kind."""
    memberships = [m for m in access.record_agencies(user) if m.agency_id in through]
    own = {m.agency_id for m in memberships}
    group_agency = {m.group_id: m.agency_id for m in memberships}
    acting: dict[tuple[str, int], int] = {}
    shared: dict[type, list[int]] = {}
    for record in records:
        key = (record._meta.model_name, record.pk)
        if record.owner_agency_id in own:
            acting[key] = record.owner_agency_id
        else:
            shared.setdefault(type(record), []).append(record.pk)
    for model, pks in shared.items():
        grants = access.grant_model_of(model).objects.filter(
            content_object_id__in=pks,
            group_id__in=group_agency,
            permission__codename=access.view_codename(model),
        )
        for pk, group_id in grants.values_list("content_object_id", "group_id"):
            acting.setdefault((model._meta.model_name, pk), group_agency[group_id])
    return acting


# A meeting is often written up after it sits: one held up to this long ago may still be
# recorded and have items added.
RECORDED_AFTER = timedelta(days=30)


def meetings_arranged_by(*, user: User) -> QuerySet[Meeting]:
    """Meetings to come, or held in the last RECORDED_AFTER, that the user may add items to."""
    return Meeting.objects.filter(
        archived_at__isnull=True,
        chair_agency_id__in=access.agency_ids_with(user, Capability.CHAIR_MEETINGS),
        held_on__gte=timezone.localdate() - RECORDED_AFTER,
    ).exclude(status=Meeting.Status.CANCELLED)


# A record read with on_agendas_exist() annotated says whether it was ever on an agenda: its
# page then reads the items only when there are some.
ON_AGENDAS = "on_agendas"


def on_agendas_exist(model) -> Exists:
    """For a queryset of records: whether each is on an agenda (whatever the meeting)."""
    kind = KIND_OF_MODEL[model]
    return Exists(
        AgendaItem.objects.filter(kind=kind, archived_at__isnull=True, **{kind: OuterRef("pk")})
    )


def meetings_of_record(*, user: User, record) -> list[AgendaItem]:
    """The items about `record` on meetings the user may see, newest meeting first."""
    if record.__dict__.get(ON_AGENDAS) is False:
        return []
    kind = KIND_OF_MODEL[type(record)]
    # The meeting is visible as meetings_visible has it (not archived, attended by one of the
    # user's agencies that open records), asked of each item's meeting alone.
    attended = MeetingAgency.objects.filter(
        meeting_id=OuterRef("meeting_id"), agency_id__in=_record_agency_ids(user)
    )
    return list(
        AgendaItem.objects.filter(
            Exists(attended),
            kind=kind,
            **{kind: record},
            archived_at__isnull=True,
            meeting__archived_at__isnull=True,
        )
        .select_related("meeting")
        .order_by("-meeting__held_on")[:20]
    )


def actions_of_user(*, user: User) -> QuerySet[MeetingAction]:
    """Open actions the user owns, and open actions given to one of their agencies with no
    named owner, overdue first."""
    agencies = [m.agency_id for m in access.user_agency_roles(user) if m.role in CONTRIBUTING_ROLES]
    # A named owner who has left the agency no longer holds the action: it falls to the agency.
    owner_still_there = Exists(
        Membership.objects.filter(
            user_id=OuterRef("owner_id"), agency_id=OuterRef("owner_agency_id"), is_active=True
        )
    )
    return (
        MeetingAction.objects.filter(status=MeetingAction.Status.OPEN)
        .filter(
            Q(owner=user, owner_agency_id__in=agencies)
            | Q(owner_agency_id__in=agencies) & (Q(owner__isnull=True) | ~owner_still_there)
        )
        .filter(item__archived_at__isnull=True, item__meeting__archived_at__isnull=True)
        .exclude(item__meeting__status=Meeting.Status.CANCELLED)
        .select_related("item__meeting", "owner_agency")
        .order_by("due_on", "created_at")
    )


@dataclass
class ActionView:
    action: MeetingAction
    open: bool
    label: str
    overdue: bool


def actions_as_seen(
    *, user: User, limit: int = 100, overdue_only: bool = False
) -> list[ActionView]:
    """The user's open actions for their task list, overdue first, on records the user may
    still see (an action on a record no longer shared with the agency is left to the chair's
    agency, which sees it on the meeting)."""
    today = timezone.localdate()
    mine = actions_of_user(user=user)
    if overdue_only:
        mine = mine.filter(due_on__lt=today)
    actions = list(
        mine.select_related(
            "item__case__child",
            "item__case__owner_agency",
            "item__person__owner_agency",
            "item__location__owner_agency",
            "item__network__owner_agency",
        )[:limit]
    )
    # Each action is seen as a member of the agency that owns it.
    open_ids = {
        agency_id: _visible_subject_ids(
            user=user,
            items=[a.item for a in actions if a.owner_agency_id == agency_id],
            through={agency_id},
        )
        for agency_id in {a.owner_agency_id for a in actions}
    }
    return [
        ActionView(
            action=action,
            open=True,
            label=item_label(action.item, open=True),
            overdue=action.due_on < today,
        )
        for action in actions
        if action.item.subject_id in open_ids[action.owner_agency_id][action.item.kind]
    ]


def action_for(request: HttpRequest, public_id) -> MeetingAction:
    action = MeetingAction.objects.filter(public_id=public_id).select_related("item").first()
    if action is None:
        raise Http404("No such action")
    item_for(request, action.item.public_id)
    return action


def next_position(meeting: Meeting) -> int:
    return (meeting.items.aggregate(last=Max("position"))["last"] or 0) + 1


def owner_choices(*, meeting: Meeting) -> QuerySet[Membership]:
    """People who may own an action: active members of the attending agencies whose role
    records or analyses."""
    return (
        Membership.objects.filter(
            agency_id__in=attending_agency_ids(meeting),
            is_active=True,
            user__is_active=True,
            role__in=CONTRIBUTING_ROLES,
        )
        .select_related("user", "agency")
        .order_by("agency__name", "user__full_name")
    )


REVIEW_HORIZON = timedelta(days=28)


def items_due_for_review(*, user: User, limit: int = 100) -> list[ItemView]:
    """Records whose review, set at a meeting the user's agency chaired, falls in the next four
    weeks or has passed, and that no later meeting of the partnership has taken up; only those
    the user may see."""
    chairing = access.agency_ids_with(user, Capability.CHAIR_MEETINGS)
    if not chairing:
        return []
    same_subject = reduce(operator.or_, (Q(**{kind: OuterRef(kind)}) for kind in SUBJECT_MODELS))
    later = AgendaItem.objects.filter(
        same_subject,
        kind=OuterRef("kind"),
        meeting__partnership=OuterRef("meeting__partnership"),
        meeting__held_on__gt=OuterRef("meeting__held_on"),
        meeting__archived_at__isnull=True,
        archived_at__isnull=True,
    ).exclude(meeting__status=Meeting.Status.CANCELLED)
    items = list(
        AgendaItem.objects.filter(
            meeting__chair_agency_id__in=chairing,
            meeting__archived_at__isnull=True,
            archived_at__isnull=True,
            next_review_on__lte=timezone.localdate() + REVIEW_HORIZON,
        )
        .exclude(meeting__status=Meeting.Status.CANCELLED)
        .exclude(Exists(later))
        .select_related(
            "meeting",
            "case__child",
            "case__owner_agency",
            "person__owner_agency",
            "location__owner_agency",
            "network__owner_agency",
        )
        .order_by("next_review_on", "pk")[:limit]
    )
    open_ids = _visible_subject_ids(user=user, items=items, through=set(chairing))
    return [
        ItemView(item=item, open=True, label=item_label(item, open=True))
        for item in items
        if item.subject_id in open_ids[item.kind]
    ]


def action_counts_by_agency(
    *, partnership, agency_ids: list[int], today: date
) -> dict[int, dict[str, int]]:
    """Open, overdue and done actions owned by each agency at the partnership's meetings (the
    dashboards' table); cancelled and archived meetings do not count."""
    rows = (
        MeetingAction.objects.filter(
            owner_agency_id__in=agency_ids,
            item__meeting__partnership=partnership,
            item__meeting__archived_at__isnull=True,
            item__archived_at__isnull=True,
        )
        .exclude(item__meeting__status=Meeting.Status.CANCELLED)
        .values("owner_agency_id")
        .annotate(
            open=Count("pk", filter=Q(status="open")),
            overdue=Count("pk", filter=Q(status="open", due_on__lt=today)),
            done=Count("pk", filter=Q(status="done")),
        )
    )
    return {row.pop("owner_agency_id"): row for row in rows}
