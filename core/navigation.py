"""The service navigation: which sections a signed-in user sees, decided from their roles."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse

from agencies.access import agency_ids_with
from agencies.roles import Capability


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


SECTIONS = [
    ("Home", "core:home", None),
    ("Cases", "cases:case-list", Capability.VIEW_RECORDS),
    ("Find a person", "cases:person-search", Capability.VIEW_RECORDS),
    ("Referrals", "referrals:inbox", Capability.VIEW_RECORDS),
    ("Networks", "cases:network-list", Capability.ANALYSE),
    ("Meetings", "meetings:meeting-list", Capability.VIEW_RECORDS),
    ("Tasks", "core:task-list", None),
    ("Dashboard", "reports:dashboard", Capability.VIEW_DASHBOARDS),
    ("Returns", "reports:returns", Capability.EXPORT_RETURNS),
    ("Reassessments due", "indicators:overdue", Capability.SIGN_OFF),
    ("Retention reviews", "cases:retention-list", Capability.REVIEW_RETENTION),
    ("Access log", "agencies:access-log", Capability.VIEW_ACCESS_LOG),
    ("Administration", "agencies:admin-agency-list", Capability.MANAGE_USERS),
]


@cache
def _sections(script_prefix: str, urlconf: str) -> tuple[tuple[str, str, Capability | None], ...]:
    """The sections with their addresses, reversed once for each script prefix and URL
    configuration rather than on every page."""
    return tuple((label, reverse(name, urlconf), need) for label, name, need in SECTIONS)


def navigation_for(request: HttpRequest) -> list[NavItem]:
    user = request.user
    sections = _sections(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    path = request.path
    return [
        NavItem(label, url, current=(path == url if url == "/" else path.startswith(url)))
        for label, url, capability in sections
        if capability is None or agency_ids_with(user, capability)
    ]
