"""Signing in (password, then a TOTP code), signing out, invitations and re-authentication."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from agencies import services
from agencies.forms import (
    CodeForm,
    ReauthenticateForm,
    SetPasswordForm,
    SignInForm,
)
from agencies.models import User
from agencies.two_factor import (
    REAUTHENTICATED_AT,
    CodeThrottledError,
    complete_second_factor,
    demo_exempt,
    device_qr_svg,
    device_secret,
    has_confirmed_device,
    pending_device,
    verify_code,
)
from core.middleware import SESSION_STARTED_KEY

NEXT_KEY = "after_sign_in"
WRONG_CODE = "The code is not right: enter the 6-digit code your authenticator app shows now"
THROTTLED = "Too many wrong codes: wait a few seconds, then enter the code your app shows now"


def checked_code(form, user, *, confirmed: bool = True):
    """The device that accepts the form's code, or None with the error added to the form."""
    try:
        device = verify_code(user, form.cleaned_data["code"], confirmed=confirmed)
    except CodeThrottledError:
        form.add_error("code", THROTTLED)
        return None
    if device is None:
        form.add_error("code", WRONG_CODE)
    return device


def safe_next_url(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request, data=request.POST if request.method == "POST" else None)
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if request.method == "POST" and form.is_valid():
        login(request, form.user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_STARTED_KEY] = time.time()
        request.session[NEXT_KEY] = safe_next_url(request, next_url)
        if demo_exempt(form.user):
            request.session[REAUTHENTICATED_AT] = time.time()
            return redirect(request.session.pop(NEXT_KEY))
        step = "two-factor-verify" if has_confirmed_device(form.user) else "two-factor-setup"
        return redirect(f"agencies:{step}")
    return render(request, "agencies/sign_in.html", {"form": form, "next": next_url})


def locked_out(request: HttpRequest, credentials: dict | None = None, *args, **kwargs):
    return render(request, "agencies/locked_out.html", status=429)


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified() or has_confirmed_device(request.user):
        return redirect("agencies:two-factor-verify")
    pending = pending_device(request.user)
    form = CodeForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = checked_code(form, request.user, confirmed=False)
        if device is not None:
            complete_second_factor(request, device)
            return redirect(request.session.pop(NEXT_KEY, reverse("core:home")))
    return render(
        request,
        "agencies/two_factor_setup.html",
        {"form": form, "qr_svg": device_qr_svg(pending), "secret": device_secret(pending)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():
        return redirect("core:home")
    if not has_confirmed_device(request.user):
        return redirect("agencies:two-factor-setup")
    form = CodeForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = checked_code(form, request.user)
        if device is not None:
            complete_second_factor(request, device)
            return redirect(request.session.pop(NEXT_KEY, reverse("core:home")))
    return render(request, "agencies/two_factor_verify.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Confirm identity again (password and code) before exporting or sharing."""
    form = ReauthenticateForm(data=request.POST if request.method == "POST" else None)
    if demo_exempt(request.user):
        del form.fields["code"]
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, email=request.user.email, password=form.cleaned_data["password"]
        )
        if user is None:
            form.add_error("password", "The password is not right")
        elif not demo_exempt(user) and checked_code(form, user) is None:
            pass
        else:
            request.session[REAUTHENTICATED_AT] = time.time()
            return redirect(safe_next_url(request, next_url))
    return render(request, "agencies/reauthenticate.html", {"form": form, "next": next_url})


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Set a password from the link in an invitation (or a reset) e-mail."""
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()), is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "agencies/invitation_invalid.html", status=404)
    form = SetPasswordForm(user, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.user_set_password(user=user, password=form.cleaned_data["password"])
        return redirect(f"{reverse('agencies:sign-in')}?password-set=1")
    return render(request, "agencies/invitation_accept.html", {"form": form})


@login_not_required
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)
