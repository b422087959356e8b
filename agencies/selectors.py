"""Reads of agencies, users and the access log, scoped to what the reader may manage or see."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from agencies.access import agency_ids_with
from agencies.models import AccessLogEntry, Agency, Membership, Partnership, User
from agencies.roles import Capability


def administered_partnerships(user: User) -> QuerySet[Partnership]:
    return Partnership.objects.filter(
        agencies__id__in=agency_ids_with(user, Capability.MANAGE_USERS)
    ).distinct()


def administered_agencies(user: User) -> QuerySet[Agency]:
    """An administrator manages their own agencies and every agency of their partnerships."""
    own = agency_ids_with(user, Capability.MANAGE_USERS)
    if not own:
        return Agency.objects.none()
    return Agency.objects.filter(
        Q(id__in=own) | Q(partnerships__in=administered_partnerships(user))
    ).distinct()


def administered_users(user: User) -> QuerySet[User]:
    """Users with a membership (active or ended) in an agency the administrator manages."""
    agencies = administered_agencies(user)
    memberships = Membership.objects.filter(agency__in=agencies).select_related("agency")
    return (
        User.objects.filter(memberships__agency__in=agencies)
        .distinct()
        .prefetch_related(Prefetch("memberships", queryset=memberships))
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
