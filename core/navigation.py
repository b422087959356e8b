"""The service navigation: which sections a signed-in user sees, decided from their roles."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


def navigation_for(request: HttpRequest) -> list[NavItem]:
    sections = [("Home", reverse("core:home"))]
    path = request.path
    return [
        NavItem(label, url, current=(path == url if url == "/" else path.startswith(url)))
        for label, url in sections
    ]
