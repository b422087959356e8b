"""Writes of restrictions and emergency access. Each is one transaction, logged in the access
log; emergency access tells the record's lead professional and the agency's CSE leads at once
(a task on their list and an e-mail that names nobody)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agencies.access_log import access_log_record
from agencies.models import AccessLogEntry, Agency, Role, User
from agencies.roles import RECORD_CAPABILITIES, role_can
from core.models import Task
from core.services import task_create
from restrictions.models import EmergencyAccess, Restriction, RestrictionMember

Action = AccessLogEntry.Action


class RestrictionRefused(ValueError):
    """A restriction that cannot be made as asked; the message says why."""


class RestrictionLifted(RestrictionRefused):
    """The restriction was lifted meanwhile: there is nothing to open."""


def restriction_candidates(*, agency: Agency):
    """The users a record of `agency` may be restricted to: its active members whose role opens
    records."""
    roles = [role for role in Role if any(role_can(role, c) for c in RECORD_CAPABILITIES)]
    return (
        User.objects.filter(
            is_active=True,
            memberships__agency=agency,
            memberships__is_active=True,
            memberships__role__in=roles,
        )
        .distinct()
        .order_by("full_name", "email")
    )


def _named_set(*, restriction: Restriction, users: list[User], by: User) -> None:
    allowed = set(restriction_candidates(agency=restriction.agency).values_list("pk", flat=True))
    wanted = {user.pk for user in users} | {by.pk}
    outside = wanted - allowed
    if outside:
        raise RestrictionRefused("Choose only people who work for the agency holding the record")
    current = {row.user_id: row for row in restriction.named.all()}
    for user_id in wanted - set(current):
        member = RestrictionMember(restriction=restriction, user_id=user_id, created_by=by)
        member._history_user = by
        member.save()
    for user_id in set(current) - wanted:
        row = current[user_id]
        row._history_user = by
        row.delete()


@transaction.atomic
def record_restrict(*, record, reason: str, users: list[User], by: User) -> Restriction:
    """Restrict a person or case to the named users of its agency (the person restricting it
    is always one of them), so that nobody else opens it or anything belonging to it."""
    from cases.models import Person

    if not reason.strip():
        raise RestrictionRefused("Enter why the record is restricted")
    field = "person" if isinstance(record, Person) else "case"
    type(record)._base_manager.select_for_update().get(pk=record.pk)
    if Restriction.objects.filter(lifted_at__isnull=True, **{field: record}).exists():
        raise RestrictionRefused("The record is already restricted")
    restriction = Restriction(
        agency_id=record.owner_agency_id, reason=reason.strip(), created_by=by, modified_by=by,
        **{field: record},
    )  # fmt: skip
    restriction._history_user = by
    restriction.save()
    _named_set(restriction=restriction, users=users, by=by)
    access_log_record(
        user=by, agency_id=record.owner_agency_id, action=Action.RESTRICT, record=record,
        reason=restriction.reason, detail={"named": restriction.named.count()},
    )  # fmt: skip
    return restriction


@transaction.atomic
def restriction_update(
    *, restriction: Restriction, users: list[User], reason: str, by: User
) -> Restriction:
    """Change who the restricted record stays open to."""
    if not reason.strip():
        raise RestrictionRefused("Enter why the people named are changing")
    restriction = Restriction.objects.select_for_update().get(pk=restriction.pk)
    if restriction.lifted_at is not None:
        raise RestrictionRefused("The restriction has been lifted")
    _named_set(restriction=restriction, users=users, by=by)
    restriction.modified_by = by
    restriction._history_user = by
    restriction._change_reason = reason.strip()
    restriction.save()
    access_log_record(
        user=by, agency_id=restriction.agency_id, action=Action.RESTRICT,
        record=restriction.record, reason=reason.strip(),
        detail={"named": restriction.named.count(), "changed": True},
    )  # fmt: skip
    return restriction


@transaction.atomic
def restriction_lift(*, restriction: Restriction, reason: str, by: User) -> Restriction:
    """Open the record again to everyone the access rule lets see it. Emergency access to it
    ends with the restriction."""
    if not reason.strip():
        raise RestrictionRefused("Enter why the restriction is lifted")
    restriction = Restriction.objects.select_for_update().get(pk=restriction.pk)
    if restriction.lifted_at is not None:
        raise RestrictionRefused("The restriction has already been lifted")
    restriction.lifted_at = timezone.now()
    restriction.lifted_by = by
    restriction.lifted_reason = reason.strip()
    restriction.modified_by = by
    restriction._history_user = by
    restriction._change_reason = reason.strip()
    restriction.save()
    access_log_record(
        user=by, agency_id=restriction.agency_id, action=Action.RESTRICT,
        record=restriction.record, reason=reason.strip(), detail={"lifted": True},
    )  # fmt: skip
    subject = {"record_type": restriction.kind, "record": str(restriction.record.public_id)}
    title = "A restriction on a record your agency holds was lifted"
    task_create(
        kind=Task.Kind.RESTRICTION_LIFTED, agency_id=restriction.agency_id, role=Role.CSE_LEAD,
        title=title, subject=subject,
    )  # fmt: skip
    for row in restriction.named.exclude(user_id=by.pk).select_related("user"):
        task_create(
            kind=Task.Kind.RESTRICTION_LIFTED, agency_id=restriction.agency_id, role="",
            user=row.user, title=title, subject=subject,
        )  # fmt: skip
    return restriction


def _lead_professionals(restriction: Restriction) -> list[User]:
    """Who leads on the restricted record: the case's lead professional, or for a child the
    lead professionals of their open cases in the restricting agency."""
    from cases.models import Case

    if restriction.case_id:
        cases = Case.objects.filter(pk=restriction.case_id)
    else:
        cases = Case.objects.filter(
            child_id=restriction.person_id, owner_agency_id=restriction.agency_id, status="open"
        )
    ids = cases.exclude(lead_professional=None).values_list("lead_professional_id", flat=True)
    return list(User.objects.filter(pk__in=ids, is_active=True))


@transaction.atomic
def emergency_access_open(
    *, restriction: Restriction, agency: Agency, reason: str, by: User
) -> EmergencyAccess:
    """Open a restricted record to `by` for settings.EMERGENCY_ACCESS_FOR, with the reason in
    the access log, and tell the lead professional and the agency's CSE leads at once."""
    if not reason.strip():
        raise RestrictionRefused("Enter why this is an emergency")
    restriction = Restriction.objects.select_for_update().get(pk=restriction.pk)
    if restriction.lifted_at is not None:
        raise RestrictionLifted("The restriction has been lifted")
    now = timezone.now()
    access = EmergencyAccess.objects.create(
        restriction=restriction, user=by, agency=agency, reason=reason.strip(),
        expires_at=now + settings.EMERGENCY_ACCESS_FOR, created_by=by, modified_by=by,
    )  # fmt: skip
    record = restriction.record
    access_log_record(
        user=by, agency_id=agency.pk, action=Action.EMERGENCY, record=record,
        reason=access.reason, detail={"expires_at": access.expires_at.isoformat()},
    )  # fmt: skip
    subject = {
        "emergency_access": str(access.public_id),
        "record_type": restriction.kind,
        "record": str(record.public_id),
    }
    title = "Emergency access was used to open a restricted record your agency holds"
    task_create(
        kind=Task.Kind.EMERGENCY_ACCESS, agency_id=restriction.agency_id, role=Role.CSE_LEAD,
        title=title, subject=subject,
    )  # fmt: skip
    for lead in _lead_professionals(restriction):
        if lead.pk != by.pk:
            task_create(
                kind=Task.Kind.EMERGENCY_ACCESS, agency_id=restriction.agency_id, role="",
                user=lead, title=title, subject=subject,
            )  # fmt: skip
    return access


@transaction.atomic
def emergency_accesses_open(
    *, restrictions: list[Restriction], agency: Agency, reason: str, by: User
) -> list[EmergencyAccess]:
    """Emergency access through every restriction closing a record (a case closed by both its
    own restriction and its child's needs both opened), in one transaction: each is opened and
    its people told, or none is. A restriction lifted meanwhile needs no opening; if all of
    them were, RestrictionLifted."""
    opened = []
    for restriction in restrictions:
        try:
            opened.append(
                emergency_access_open(restriction=restriction, agency=agency, reason=reason, by=by)
            )
        except RestrictionLifted:
            continue
    if not opened:
        raise RestrictionLifted("The restriction has been lifted")
    return opened


def emergency_agency_of(*, user: User, record) -> Agency | None:
    """The agency through which the user may ask for emergency access to the record: one of
    theirs that the access rule reaches it through, where their role holds the capability."""
    from agencies.access import acting_agencies
    from agencies.roles import Capability

    for membership in acting_agencies(user, record):
        if role_can(membership.role, Capability.EMERGENCY_ACCESS):
            return Agency.objects.get(pk=membership.agency_id)
    return None
