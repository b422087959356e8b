from __future__ import annotations

from django.db.models import Q, QuerySet

from agencies.access import user_agency_roles
from core.models import Task


def tasks_for(user) -> QuerySet[Task]:
    """Tasks for the roles the user holds in each of their agencies, and tasks for the user
    themself in an agency they still belong to."""
    condition = Q(pk__in=[])
    for membership in user_agency_roles(user):
        condition |= Q(agency_id=membership.agency_id, role=membership.role, user=None)
        condition |= Q(agency_id=membership.agency_id, user_id=user.pk)
    return Task.objects.filter(condition).select_related("agency")
