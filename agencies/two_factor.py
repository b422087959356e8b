"""TOTP devices (django-otp): set-up at first sign-in, verification at every sign-in."""

from __future__ import annotations

import time
from base64 import b32encode
from binascii import unhexlify

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import AccessLogEntry, User
from agencies.services import account_event_log

REAUTHENTICATED_AT = "reauthenticated_at"
# Set once a recovery code is accepted: the person may set up a new authenticator while the
# lost one still exists, and the lost one goes when the new one is confirmed.
RECOVERING = "recovering_with_code"


def demo_exempt(user: User) -> bool:
    """Demo mode (DEBUG only) skips the second factor for the seeded demo accounts alone, so
    that a local copy holding real accounts still asks them for their code."""
    from agencies.demo import DEMO_EMAIL_DOMAIN

    return settings.DEMO_MODE and user.email.endswith(DEMO_EMAIL_DOMAIN)


def has_confirmed_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def setting_up(request: HttpRequest) -> bool:
    """Whether the signed-in (password only) person is to set up an authenticator: they have
    none yet, or a recovery code stands in for the one they lost."""
    return bool(request.session.get(RECOVERING)) or not has_confirmed_device(request.user)


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device being set up (made once, so the QR code stays the same)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def device_secret(device: TOTPDevice) -> str:
    """The secret in base32, for typing into an authenticator app by hand."""
    return b32encode(unhexlify(device.key)).decode().rstrip("=")


def device_qr_svg(device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


class CodeThrottledError(Exception):
    """Too many wrong codes in a row: django-otp makes the user wait before the next try."""


def verify_code(user: User, code: str, *, confirmed: bool = True) -> TOTPDevice | None:
    code = "".join(code.split())
    devices = list(TOTPDevice.objects.filter(user=user, confirmed=confirmed))
    if devices and not any(device.verify_is_allowed()[0] for device in devices):
        raise CodeThrottledError
    if not code.isdigit():
        return None
    for device in devices:
        if device.verify_token(code):
            return device
    return None


def signed_in_log(user: User) -> None:
    """A completed sign-in, in the access log (OWASP ASVS 5.0 V16.3.1): who, when, from which
    of their agencies; never the address typed or the code."""
    account_event_log(user=user, change="", action=AccessLogEntry.Action.SIGNED_IN)


def complete_second_factor(request: HttpRequest, device: TOTPDevice) -> None:
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
        if request.session.pop(RECOVERING, False):
            TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    # A new session id once the second factor is in: one learnt between the two steps (the
    # password alone) opens nothing.
    request.session.cycle_key()
    otp_login(request, device)
    signed_in_log(request.user)
    request.session[REAUTHENTICATED_AT] = time.time()
