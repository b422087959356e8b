from __future__ import annotations

import time
from base64 import b32decode

from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.factories import TEST_PASSWORD, enrol_totp, totp_code


def code_from_secret(secret: str) -> str:
    """What an authenticator app shows for a base32 secret typed into it."""
    key = b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time()
    return f"{totp.token():06d}"


def browser_sign_in(page: Page, user, password: str = TEST_PASSWORD) -> None:
    """Sign in with password and authenticator code, as a person would."""
    device = enrol_totp(user)
    page.goto("/sign-in/")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code from your authenticator app").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Welcome", exact=False)).to_be_visible()
