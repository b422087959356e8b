"""Reads of people and cases, always through the access rule."""

from __future__ import annotations

from django.db.models import QuerySet

from agencies.access import visible
from agencies.models import User
from cases.models import Case


def case_list_visible(*, user: User) -> QuerySet[Case]:
    return visible(user, Case.objects.all()).select_related("child", "owner_agency")
