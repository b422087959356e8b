"""The network address of the person signing in, as django-axes counts failures by it.

Behind the TLS reverse proxy every request comes from the proxy's address, so the client's own
address is read from X-Forwarded-For, but only as far as trusted proxies wrote it: each proxy
appends the address it received the request from, and everything to the left of what our own
proxies appended was sent by the client, who can write anything there. With
`TRUSTED_PROXY_COUNT` = N, the client is the N-th address from the right; with 0 (the default:
nothing in front of the application) the header is ignored and REMOTE_ADDR is the client.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address (`AXES_CLIENT_IP_CALLABLE`)."""
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < trusted:
        # Fewer hops than proxies configured: the request did not come through them all.
        return remote
    candidate = forwarded[-trusted]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # Our own proxy writes a bare address; anything else is not an address to count by.
        return remote
