"""Reads of agencies, users and the access log, scoped to what the reader may manage or see.

Two scopes of administration (docs/access.md, "Who may give access"): an administrator
manages the users of their own agency only, and the partnership's structure (its agencies,
deadlines, indicator sets, flag types) for every partnership their agency belongs to.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from agencies.access import agency_ids_with
from agencies.models import (
    AccessLogEntry,
    Agency,
    Membership,
    MembershipRequest,
    Partnership,
    User,
)
from agencies.roles import Capability


def administered_partnerships(user: User) -> QuerySet[Partnership]:
    return Partnership.objects.filter(
        agencies__id__in=agency_ids_with(user, Capability.MANAGE_USERS)
    ).distinct()


def partnership_agencies(*, user: User) -> QuerySet[Agency]:
    """The agencies of every partnership the administrator's agencies belong to: the scope of
    partnership-wide administration, and of the agencies a membership may be asked for in."""
    own = agency_ids_with(user, Capability.MANAGE_USERS)
    if not own:
        return Agency.objects.none()
    return Agency.objects.filter(
        Q(id__in=own) | Q(partnerships__in=administered_partnerships(user))
    ).distinct()


def managed_agencies(*, user: User) -> QuerySet[Agency]:
    """The agencies whose users the administrator manages: their own, and no other."""
    return Agency.objects.filter(id__in=agency_ids_with(user, Capability.MANAGE_USERS))


def managed_users(*, user: User) -> QuerySet[User]:
    """Users with a membership (active or ended), or a membership asked for, in an agency the
    administrator manages."""
    agencies = managed_agencies(user=user)
    memberships = Membership.objects.filter(agency__in=agencies).select_related("agency")
    waiting = MembershipRequest.objects.filter(
        agency__in=agencies, status=MembershipRequest.Status.PENDING
    ).select_related("agency")
    return (
        User.objects.filter(
            Q(memberships__agency__in=agencies)
            | Q(
                membership_requests__agency__in=agencies,
                membership_requests__status=MembershipRequest.Status.PENDING,
            )
        )
        .distinct()
        .prefetch_related(
            Prefetch("memberships", queryset=memberships),
            Prefetch("membership_requests", queryset=waiting, to_attr="waiting"),
        )
    )


def managed_memberships(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(agency__in=managed_agencies(user=user))


def memberships_of(*, subject: User) -> QuerySet[Membership]:
    return subject.memberships.select_related("agency").order_by("agency__name")


def approver_agency_ids(*, user: User) -> list[int]:
    return agency_ids_with(user, Capability.APPROVE_MEMBERSHIPS)


def membership_requests_to_decide(*, user: User) -> QuerySet[MembershipRequest]:
    """Requests waiting in the user's agencies that the user may decide: never one they asked
    for, and never one about themselves."""
    return (
        MembershipRequest.objects.filter(
            agency_id__in=approver_agency_ids(user=user),
            status=MembershipRequest.Status.PENDING,
        )
        .exclude(created_by=user)
        .exclude(user=user)
        .select_related("user", "agency", "created_by")
    )


def membership_requests_made_by(*, user: User) -> QuerySet[MembershipRequest]:
    return MembershipRequest.objects.filter(created_by=user).select_related(
        "user", "agency", "decided_by"
    )


def membership_requests_seen_by(*, user: User) -> QuerySet[MembershipRequest]:
    """Requests the user may open: those they asked for, and those of their agencies they may
    decide (or could, were it not their own)."""
    return MembershipRequest.objects.filter(
        Q(created_by=user) | Q(agency_id__in=approver_agency_ids(user=user))
    ).select_related("user", "agency", "created_by", "decided_by")


def pending_requests_of(*, subject: User) -> QuerySet[MembershipRequest]:
    return subject.membership_requests.filter(
        status=MembershipRequest.Status.PENDING
    ).select_related("agency", "created_by")


def agency_is_new(*, agency: Agency) -> bool:
    """An agency nobody has ever belonged to: the only one whose first administrator (and
    whose type) the partnership's administrators set without asking it. An agency whose
    approvers have all left is not new: it holds records, and its own people must be asked."""
    return not Membership.objects.filter(agency=agency).exists()


def agencies_beyond(*, subject: User, by: User) -> QuerySet[Agency]:
    """The agencies where `subject` holds an active membership that `by` does not manage:
    each of them must agree to anything done to the whole account."""
    return (
        Agency.objects.filter(memberships__user=subject, memberships__is_active=True)
        .exclude(id__in=agency_ids_with(by, Capability.MANAGE_USERS))
        .distinct()
    )


def access_log_for(user: User) -> QuerySet[AccessLogEntry]:
    """Entries by the reader's agencies' staff, or about records their agencies own."""
    agency_ids = agency_ids_with(user, Capability.VIEW_ACCESS_LOG)
    if not agency_ids:
        return AccessLogEntry.objects.none()
    return AccessLogEntry.objects.filter(
        Q(agency_id__in=agency_ids) | Q(record_agency_id__in=agency_ids)
    ).select_related("user", "agency", "record_agency")


def access_log_users(user: User) -> QuerySet[User]:
    """Users of the reader's agencies, to filter the access log by."""
    agency_ids = agency_ids_with(user, Capability.VIEW_ACCESS_LOG)
    return User.objects.filter(memberships__agency_id__in=agency_ids).distinct()
