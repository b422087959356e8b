"""Signing in (password, then a TOTP code), signing out, invitations and re-authentication."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies import services
from agencies.decorators import recent_authentication_required
from agencies.forms import (
    CodeForm,
    PasswordForgottenForm,
    ReauthenticateForm,
    RecoveryCodeForm,
    SetPasswordForm,
    SignInForm,
)
from agencies.models import AccessLogEntry, User
from agencies.two_factor import (
    REAUTHENTICATED_AT,
    RECOVERING,
    CodeThrottledError,
    complete_second_factor,
    demo_exempt,
    device_qr_svg,
    device_secret,
    has_confirmed_device,
    pending_device,
    setting_up,
    signed_in_log,
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
        log_sign_in_refused(user, "code_throttled")
        return None
    if device is None:
        form.add_error("code", WRONG_CODE)
        log_sign_in_refused(user, "wrong_code")
    return device


def log_sign_in_refused(user: User, change: str) -> None:
    """A wrong second factor is a sign-in refused: in the access log, for the agency's CSE
    leads and administrators to see (the code itself never)."""
    services.account_event_log(user=user, change=change, action=AccessLogEntry.Action.SIGN_IN)


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
        # Nothing of an unfinished password link survives into the signed-in session.
        request.session.pop(PASSWORD_LINK_KEY, None)
        login(request, form.user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_STARTED_KEY] = time.time()
        request.session[NEXT_KEY] = safe_next_url(request, next_url)
        if demo_exempt(form.user):
            signed_in_log(form.user)
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
    if request.user.is_verified() or not setting_up(request):
        return redirect("agencies:two-factor-verify")
    pending = pending_device(request.user)
    form = CodeForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = checked_code(form, request.user, confirmed=False)
        if device is not None:
            replacing = has_confirmed_device(request.user)
            complete_second_factor(request, device)
            services.account_event_log(
                user=request.user,
                change="authenticator_replaced" if replacing else "authenticator_set_up",
            )
            # Shown once, in this answer; a person who set up a new authenticator after a
            # recovery code keeps the codes they still have.
            if not request.user.recovery_codes.filter(used_at__isnull=True).exists():
                codes = services.recovery_codes_replace(user=request.user)
                next_url = request.session.pop(NEXT_KEY, reverse("core:home"))
                return render(
                    request, "agencies/recovery_codes.html", {"codes": codes, "next": next_url}
                )
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
            # A new session id with the raised assurance, as at sign-in.
            request.session.cycle_key()
            request.session[REAUTHENTICATED_AT] = time.time()
            return redirect(safe_next_url(request, next_url))
    return render(request, "agencies/reauthenticate.html", {"form": form, "next": next_url})


PASSWORD_LINK_KEY = "password_link"  # noqa: S105 - a session key, not a password


def _user_of_link(key: str) -> User | None:
    """The active user a password link (`uid.token`) is for, if its token still holds."""
    uidb64, _, token = key.partition(".")
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()), is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    return user if default_token_generator.check_token(user, token) else None


@login_not_required
@never_cache
@require_GET
def password_link(request: HttpRequest) -> HttpResponse:
    """The link in an invitation or reset e-mail. Its key is moved into the session at once
    and the browser sent on to an address without it, so the token stays out of the address
    bar, the browser's history, and any log of the next request or its Referer."""
    key = request.GET.get("key", "")
    if _user_of_link(key) is None:
        return render(request, "agencies/invitation_invalid.html", status=404)
    request.session[PASSWORD_LINK_KEY] = key
    return redirect("agencies:password-set")


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def password_set(request: HttpRequest) -> HttpResponse:
    """Set a password from an invitation or reset link. It signs nobody in: the password and
    the second factor are asked at the sign-in page as always."""
    user = _user_of_link(request.session.get(PASSWORD_LINK_KEY, ""))
    if user is None:
        request.session.pop(PASSWORD_LINK_KEY, None)
        return render(request, "agencies/invitation_invalid.html", status=404)
    form = SetPasswordForm(user, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.user_set_password(user=user, password=form.cleaned_data["password"])
        services.account_event_log(user=user, change="password_set_by_link")
        request.session.pop(PASSWORD_LINK_KEY, None)
        return redirect(f"{reverse('agencies:sign-in')}?password-set=1")
    return render(request, "agencies/invitation_accept.html", {"form": form})


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def password_forgotten(request: HttpRequest) -> HttpResponse:
    form = PasswordForgottenForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_send(email=form.cleaned_data["email"])
        # The same answer whether or not the address has an account.
        return render(request, "agencies/password_sent.html")
    return render(request, "agencies/password_forgotten.html", {"form": form})


@never_cache
@recent_authentication_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password, after confirming identity (password and code) again."""
    form = SetPasswordForm(request.user, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.user_change_password(
            user=request.user,
            password=form.cleaned_data["password"],
            keep_session=request.session.session_key,
        )
        update_session_auth_hash(request, request.user)
        messages.success(request, "Your password has been changed; other sessions were ended")
        return redirect("agencies:account")
    return render(request, "agencies/password_change.html", {"form": form})


@never_cache
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "agencies/account.html",
        {"recovery_left": request.user.recovery_codes.filter(used_at__isnull=True).count()},
    )


@never_cache
@recent_authentication_required
@require_POST
def recovery_codes_new(request: HttpRequest) -> HttpResponse:
    """A new set of recovery codes, shown once in the answer to this POST (never stored where
    they could be shown again)."""
    codes = services.recovery_codes_replace(user=request.user)
    services.account_event_log(user=request.user, change="recovery_codes_replaced")
    return render(
        request,
        "agencies/recovery_codes.html",
        {"codes": codes, "next": reverse("agencies:account")},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_recovery(request: HttpRequest) -> HttpResponse:
    """Sign in with a recovery code when the authenticator is lost; a new authenticator is set
    up straight after."""
    if request.user.is_verified():
        return redirect("core:home")
    form = RecoveryCodeForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if services.recovery_code_use(user=request.user, code=form.cleaned_data["code"]):
            request.session.cycle_key()
            request.session[RECOVERING] = True
            return redirect("agencies:two-factor-setup")
        log_sign_in_refused(request.user, "wrong_recovery_code")
        form.add_error("code", "The recovery code is not right, or has been used already")
    return render(request, "agencies/two_factor_recovery.html", {"form": form})


@login_not_required
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)
