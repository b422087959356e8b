"""View decorators that enforce the access rule's role checks and re-authentication."""

from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.urls import reverse

from agencies.access import agency_ids_with
from agencies.roles import Capability
from agencies.two_factor import REAUTHENTICATED_AT


def capability_required(capability: Capability):
    """The user holds `capability` in at least one agency; otherwise 404 (not 403), so that
    pages outside a role look like pages that do not exist."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not agency_ids_with(request.user, capability):
                raise Http404("No such page")
            return view(request, *args, **kwargs)

        wrapped.required_capability = capability
        return wrapped

    return decorator


def recent_authentication_required(view):
    """Exports and shares ask for the password and a code again after 15 minutes."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        at = request.session.get(REAUTHENTICATED_AT, 0)
        if time.time() - at > settings.REAUTHENTICATION_MAX_AGE.total_seconds():
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('agencies:reauthenticate')}?{query}")
        return view(request, *args, **kwargs)

    return wrapped
