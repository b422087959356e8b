"""Sign-in lockout: django-axes' per-account limit, and a limit per network address.

Axes locks an e-mail address from one network address after `AXES_FAILURE_LIMIT` failures
(`AXES_LOCKOUT_PARAMETERS`). That does not slow password spraying: a few guesses at each of
many accounts from one address never reach five for any of them. This handler also counts the
failures from the client's address across every e-mail address tried, within the same
cool-off (`AXES_COOLOFF_TIME`), and refuses signing in from that address once they reach
`SIGN_IN_ADDRESS_FAILURE_LIMIT`. Failures go on counting while locked, as for the per-account
limit, so an address that keeps trying stays locked until it stops for the cool-off.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def address_failures(request: HttpRequest) -> int:
    """Failed sign-ins from the request's client address, for any e-mail address, within the
    cool-off."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    total = AccessAttempt.objects.filter(
        ip_address=address, attempt_time__gte=get_cool_off_threshold(request)
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return total or 0


def address_locked(request: HttpRequest) -> bool:
    limit = settings.SIGN_IN_ADDRESS_FAILURE_LIMIT
    return bool(limit) and address_failures(request) >= limit


class AddressLimitHandler(AxesDatabaseHandler):
    """`AXES_HANDLER`: the database handler, plus the limit per network address."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return settings.AXES_LOCK_OUT_AT_FAILURE and address_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if (
            request is None
            or request.axes_locked_out
            or not settings.AXES_LOCK_OUT_AT_FAILURE
            or self.is_whitelisted(request, credentials)
            or not address_locked(request)
        ):
            return
        # The address has reached its limit with this failure (or was already over it): answer
        # with the lockout page, as axes does when one account reaches its own limit.
        request.axes_locked_out = True
        request.axes_credentials = credentials
        user_locked_out.send(
            "axes",
            request=request,
            username=credentials.get(settings.AXES_USERNAME_FORM_FIELD) if credentials else None,
            ip_address=request.axes_ip_address,
        )
