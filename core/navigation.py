"""The service navigation: which sections a signed-in user sees, decided from their roles."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from agencies.access import agency_ids_with
from agencies.roles import Capability


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


def navigation_for(request: HttpRequest) -> list[NavItem]:
    user = request.user
    sections = [("Home", reverse("core:home"), None)]
    sections += [
        ("Cases", reverse("cases:case-list"), Capability.VIEW_RECORDS),
        ("Find a person", reverse("cases:person-search"), Capability.VIEW_RECORDS),
        ("Referrals", reverse("referrals:inbox"), Capability.VIEW_RECORDS),
        ("Networks", reverse("cases:network-list"), Capability.ANALYSE),
        ("Meetings", reverse("meetings:meeting-list"), Capability.VIEW_RECORDS),
        ("Tasks", reverse("core:task-list"), None),
        ("Dashboard", reverse("reports:dashboard"), Capability.VIEW_DASHBOARDS),
        ("Returns", reverse("reports:returns"), Capability.EXPORT_RETURNS),
        ("Reassessments due", reverse("indicators:overdue"), Capability.SIGN_OFF),
        ("Retention reviews", reverse("cases:retention-list"), Capability.REVIEW_RETENTION),
        ("Access log", reverse("agencies:access-log"), Capability.VIEW_ACCESS_LOG),
        ("Administration", reverse("agencies:admin-agency-list"), Capability.MANAGE_USERS),
    ]
    path = request.path
    return [
        NavItem(label, url, current=(path == url if url == "/" else path.startswith(url)))
        for label, url, capability in sections
        if capability is None or agency_ids_with(user, capability)
    ]
