"""Arranging a multi-agency meeting, putting records on its agenda, and recording what each
agency shared, what was agreed and the actions given out. Views check who may act
(meetings.selectors); these functions check what must hold whoever calls them."""

from __future__ import annotations

from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, Partnership, User
from core.services import record_lock_for_edit
from meetings.models import AgendaContribution, AgendaItem, Meeting, MeetingAction, MeetingAgency
from meetings.selectors import REVIEW_INTERVAL, agency_sees, attending_agency_ids, next_position


@transaction.atomic
def meeting_create(
    *,
    partnership: Partnership,
    title: str,
    held_on: date,
    starts_at: time | None,
    venue: str,
    chair: User,
    chair_agency: Agency,
    agencies: list[Agency],
    by: User,
) -> Meeting:
    """A planned meeting; the chair's agency always attends."""
    if not chair_agency.partnerships.filter(pk=partnership.pk).exists():
        raise ValidationError("The chair's agency is not in this partnership")
    meeting = Meeting.objects.create(
        partnership=partnership,
        title=title,
        held_on=held_on,
        starts_at=starts_at,
        venue=venue,
        chair=chair,
        chair_agency=chair_agency,
        created_by=by,
        modified_by=by,
    )
    for agency in {chair_agency, *agencies}:
        MeetingAgency.objects.create(meeting=meeting, agency=agency, created_by=by, modified_by=by)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    changes: dict,
    agencies: list[Agency],
    attendees: dict[int, str],
    by: User,
    expected_version: int | None,
) -> Meeting:
    """Change a meeting's details and who attends. An agency that has shared information or
    owns an action stays on the meeting: its minutes are part of the record."""
    record_lock_for_edit(record=meeting, expected_version=expected_version)
    wanted = {agency.pk for agency in agencies} | {meeting.chair_agency_id}
    current = attending_agency_ids(meeting)
    leaving = current - wanted
    involved = set(
        AgendaContribution.objects.filter(item__meeting=meeting, agency_id__in=leaving).values_list(
            "agency_id", flat=True
        )
    ) | set(
        MeetingAction.objects.filter(
            item__meeting=meeting, owner_agency_id__in=leaving
        ).values_list("owner_agency_id", flat=True)
    )
    if involved:
        names = ", ".join(Agency.objects.filter(pk__in=involved).values_list("name", flat=True))
        raise ValidationError(
            f"{names} shared information or owns an action at this meeting, so it stays on it"
        )
    for name, value in changes.items():
        setattr(meeting, name, value)
    meeting.modified_by = by
    meeting.save()
    for attendance in meeting.attendance.filter(agency_id__in=leaving):
        attendance._change_reason = "No longer attending"
        attendance.delete()
    for agency_id in wanted - current:
        MeetingAgency.objects.create(
            meeting=meeting, agency_id=agency_id, created_by=by, modified_by=by
        )
    for attendance in meeting.attendance.all():
        names = attendees.get(attendance.agency_id, attendance.attendees)
        if names != attendance.attendees:
            attendance.attendees = names
            attendance.modified_by = by
            attendance.save()
    return meeting


def meeting_open_check(meeting: Meeting) -> None:
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError("This meeting was cancelled: nothing more can be recorded at it")


@transaction.atomic
def agenda_item_add(*, meeting: Meeting, kind: str, subject, by: User) -> AgendaItem:
    """Put a record on the agenda (once); its next review falls 12 weeks after the meeting."""
    meeting_open_check(meeting)
    # The meeting's row lock serialises adds: one position each, and no record added twice.
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    existing = AgendaItem.objects.filter(
        meeting=meeting, kind=kind, **{kind: subject}, archived_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    return AgendaItem.objects.create(
        meeting=meeting,
        kind=kind,
        **{kind: subject},
        position=next_position(meeting),
        next_review_on=meeting.held_on + REVIEW_INTERVAL,
        created_by=by,
        modified_by=by,
    )


@transaction.atomic
def agenda_item_withdraw(*, item: AgendaItem, reason: str, by: User) -> AgendaItem:
    """Take an item off the agenda (put on by mistake, or the record merged into another on
    the same meeting): archived with the reason, its open actions no longer needed. What was
    recorded stays in the item's history."""
    meeting_open_check(item.meeting)
    if not reason.strip():
        raise ValidationError("Give the reason for withdrawing the item")
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    if item.archived_at is not None:
        return item
    now = timezone.now()
    for action in item.actions.filter(status=MeetingAction.Status.OPEN):
        action.status = MeetingAction.Status.CANCELLED
        action.status_note = f"Item withdrawn from the agenda: {reason}"
        action.modified_by = by
        action._change_reason = "Item withdrawn"
        action.save()
    item.archived_at, item.archived_by, item.archived_reason = now, by, reason
    item.modified_by = by
    item._change_reason = "Withdrawn from the agenda"
    item.save()
    return item


@transaction.atomic
def agenda_item_merge(*, item: AgendaItem, into: AgendaItem, reason: str, by: User) -> None:
    """Two records of one person were both on a meeting and have been merged: what was shared
    and the actions on `item` join `into`, decisions and an agreed risk it lacks are carried
    over, and `item` is archived, so nothing recorded at the meeting is lost."""
    for related in (*item.contributions.all(), *item.actions.all()):
        related.item = into
        related.modified_by = by
        related._change_reason = reason
        related.save()
    if item.decisions and item.decisions not in into.decisions:
        into.decisions = "\n\n".join(filter(None, [into.decisions, item.decisions]))
    if into.risk_category is None:
        into.risk_category = item.risk_category
    into.modified_by = by
    into._change_reason = reason
    into.save()
    item.archived_at, item.archived_by = timezone.now(), by
    item.archived_reason = f"{reason}: joined item {into.position}"
    item.modified_by = by
    item._change_reason = item.archived_reason
    item.save()


@transaction.atomic
def agenda_item_outcome_record(
    *,
    item: AgendaItem,
    risk_category: int | None,
    decisions: str,
    next_review_on: date | None,
    by: User,
) -> AgendaItem:
    """What the meeting agreed about the item: the risk, the decisions, the next review."""
    meeting_open_check(item.meeting)
    item.risk_category = risk_category
    item.decisions = decisions
    item.next_review_on = next_review_on
    item.modified_by = by
    item.save()
    # Re-read under a lock: the chair may be cancelling the meeting at this moment.
    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
    if meeting.status == Meeting.Status.PLANNED and meeting.held_on <= timezone.localdate():
        meeting.status = Meeting.Status.HELD
        meeting.modified_by = by
        meeting.save(update_fields=["status", "modified_by", "modified_at"])
    item.meeting = meeting
    return item


@transaction.atomic
def agenda_contribution_add(
    *, item: AgendaItem, agency: Agency, text: str, by: User
) -> AgendaContribution:
    """What one attending agency shared about the item."""
    meeting_open_check(item.meeting)
    if agency.pk not in attending_agency_ids(item.meeting):
        raise ValidationError(f"{agency.name} is not attending this meeting")
    return AgendaContribution.objects.create(
        item=item, agency=agency, text=text, created_by=by, modified_by=by
    )


@transaction.atomic
def meeting_action_add(
    *,
    item: AgendaItem,
    description: str,
    owner_agency: Agency,
    owner: User | None,
    due_on: date,
    by: User,
) -> MeetingAction:
    """An action on the item for an attending agency that may see the item's record, and
    optionally one of its members."""
    meeting_open_check(item.meeting)
    if owner_agency.pk not in attending_agency_ids(item.meeting):
        raise ValidationError(f"{owner_agency.name} is not attending this meeting")
    if not agency_sees(agency=owner_agency, record=item.subject):
        raise ValidationError(
            f"{owner_agency.name} cannot see this record: share it with them before giving"
            " them an action on it"
        )
    if (
        owner is not None
        and not owner.memberships.filter(agency=owner_agency, is_active=True).exists()
    ):
        raise ValidationError(f"{owner} is not a member of {owner_agency.name}")
    return MeetingAction.objects.create(
        item=item,
        description=description,
        owner_agency=owner_agency,
        owner=owner,
        due_on=due_on,
        created_by=by,
        modified_by=by,
    )


@transaction.atomic
def meeting_action_update(
    *,
    action: MeetingAction,
    status: str,
    status_note: str,
    due_on: date,
    by: User,
    expected_version: int | None,
) -> MeetingAction:
    """Progress on an action: done, no longer needed, or still open with a new due date."""
    record_lock_for_edit(record=action, expected_version=expected_version)
    action.status = status
    action.status_note = status_note
    action.due_on = due_on
    action.completed_on = timezone.localdate() if status == MeetingAction.Status.DONE else None
    action.modified_by = by
    action.save()
    return action
