"""Deployment checks of our own (`python manage.py check --deploy`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_check(app_configs, **kwargs) -> list[Warning]:
    """Links in e-mails are built from SITE_URL: in production it must be the service's own
    HTTPS address, never the local default, or every invitation points nowhere (or at
    whoever answers on that address)."""
    if settings.DEBUG:
        return []
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme != "https" or parts.hostname in {None, "127.0.0.1", "localhost"}:
        return [
            Warning(
                "SITE_URL is not the service's HTTPS address",
                hint="Set SITE_URL to the address people reach the service at, e.g. "
                "https://cse.partnership.example (docs/configuration.md).",
                id="core.W001",
            )
        ]
    return []
