from __future__ import annotations

from django.db.models import Q, QuerySet

from agencies.access import user_agency_roles
from core.models import Task


def tasks_for(user) -> QuerySet[Task]:
    """Tasks for the roles the user holds in each of their agencies."""
    condition = Q(pk__in=[])
    for membership in user_agency_roles(user):
        condition |= Q(agency_id=membership.agency_id, role=membership.role)
    return Task.objects.filter(condition).select_related("agency")
