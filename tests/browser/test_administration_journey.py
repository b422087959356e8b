import re

from django.core import mail
from playwright.sync_api import expect

from agencies.models import Role
from tests.browser.helpers import browser_sign_in, code_from_secret
from tests.factories import AgencyFactory, PartnershipFactory, member


def test_an_administrator_adds_an_agency_and_a_user_who_sets_up_two_factor_and_signs_in(
    page, transactional_db
):
    partnership = PartnershipFactory(name="Westbury Safeguarding Partnership")
    administrator = member(Role.ADMINISTRATOR, AgencyFactory(partnerships=[partnership]))
    browser_sign_in(page, administrator)

    # The administrator adds an agency.
    page.get_by_role("button", name="Menu").click()  # the phone-sized menu
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Add an agency").click()
    page.get_by_label("Agency code").fill("vol-bridge")
    page.get_by_label("Name").fill("Bridge Project")
    page.get_by_label("Voluntary project").check()
    page.get_by_label("Westbury Safeguarding Partnership").check()
    page.get_by_role("button", name="Add agency").click()
    expect(page.get_by_role("link", name="Bridge Project")).to_be_visible()

    # ... and invites a user to it.
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Invite a user").click()
    page.get_by_label("Full name").fill("Robin Ellis")
    page.get_by_label("E-mail address").fill("robin.ellis@bridge.example")
    page.get_by_label("Agency").select_option(label="Bridge Project")
    page.get_by_label("Front-line worker").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("sent an invitation")
    page.get_by_role("button", name="Sign out").click()

    # The new user follows the link in the e-mail, sets a password, sets up 2FA, signs in.
    (email,) = mail.outbox
    link = re.search(r"https?://[^/]+(/invitation/\S+/)", email.body).group(1)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill("river stone lantern")
    page.get_by_label("Confirm new password").fill("river stone lantern")
    page.get_by_role("button", name="Set password").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your password has been set")

    page.get_by_label("E-mail address").fill("robin.ellis@bridge.example")
    page.get_by_label("Password").fill("river stone lantern")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    secret = page.get_by_test_id("otp-secret").inner_text()
    page.get_by_label("Code from your authenticator app").fill(code_from_secret(secret))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Welcome, Robin")).to_be_visible()
    expect(page.get_by_role("cell", name="Bridge Project")).to_be_visible()
