"""Two-factor authentication is required for every signed-in page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from agencies.two_factor import demo_exempt, setting_up

# Reachable after the password but before the second factor.
PASSWORD_STAGE_URL_NAMES = {
    "two-factor-setup",
    "two-factor-verify",
    "two-factor-recovery",
    "sign-out",
}


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified() or demo_exempt(user):
            return None
        match = request.resolver_match
        if match is None or getattr(view_func, "login_required", True) is False:
            return None
        if match.namespace == "agencies" and match.url_name in PASSWORD_STAGE_URL_NAMES:
            return None
        target = "two-factor-setup" if setting_up(request) else "two-factor-verify"
        return redirect(reverse(f"agencies:{target}"))
