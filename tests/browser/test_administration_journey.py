"""Administration end to end, with separation of duties: a partnership administrator creates an
agency and appoints its first administrator; that administrator invites a worker, who sets a
password and two-factor authentication; a membership of another agency, asked for by the new
agency's administrator, waits for that agency's approval and is then approved."""

import re

from django.core import mail
from playwright.sync_api import expect

from agencies.models import Role
from tests.browser.helpers import browser_sign_in, code_from_secret
from tests.factories import AgencyFactory, PartnershipFactory, member


def accept_invitation(page, email: str, name: str, password: str) -> None:
    """Follow the link in the person's invitation, set a password, sign in and set up an
    authenticator, keeping the recovery codes."""
    (invitation,) = [m for m in mail.outbox if m.to == [email]]
    link = re.search(r"https?://[^/]+(/password/link/\?key=\S+)", invitation.body).group(1)
    page.goto(link)
    assert "key=" not in page.url  # the token is taken off the address at once
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("Confirm new password").fill(password)
    page.get_by_role("button", name="Set password").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your password has been set")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    secret = page.get_by_test_id("otp-secret").inner_text()
    page.get_by_label("Code from your authenticator app").fill(code_from_secret(secret))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="I have kept my recovery codes").click()
    expect(page.get_by_role("heading", name=f"Welcome, {name}")).to_be_visible()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_administration_with_separation_of_duties(page, transactional_db):
    partnership = PartnershipFactory(name="Westbury Safeguarding Partnership")
    home_agency = AgencyFactory(partnerships=[partnership], name="Westbury Police")
    partnership_admin = member(Role.ADMINISTRATOR, home_agency)
    browser_sign_in(page, partnership_admin)

    # The partnership administrator adds an agency ...
    page.get_by_role("button", name="Menu").click()  # the phone-sized menu
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Add an agency").click()
    page.get_by_label("Agency code").fill("vol-bridge")
    page.get_by_label("Name").fill("Bridge Project")
    page.get_by_label("Voluntary project").check()
    page.get_by_label("Westbury Safeguarding Partnership").check()
    page.get_by_role("button", name="Add agency").click()
    expect(page.get_by_role("link", name="Bridge Project")).to_be_visible()

    # ... and appoints its first administrator (nobody there could approve it yet).
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Invite a user").click()
    page.get_by_label("Full name").fill("Morgan Hale")
    page.get_by_label("E-mail address").fill("morgan.hale@bridge.example")
    page.get_by_label("Agency").select_option(label="Bridge Project")
    page.get_by_label("Administrator").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".govuk-notification-banner").first).to_contain_text("sent an invitation")
    sign_out(page)

    # Bridge Project's administrator joins, and invites a worker of their own agency.
    accept_invitation(page, "morgan.hale@bridge.example", "Morgan", "granite harbour willow kite")
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Invite a user").click()
    page.get_by_label("Full name").fill("Robin Ellis")
    page.get_by_label("E-mail address").fill("robin.ellis@bridge.example")
    page.get_by_label("Agency").select_option(label="Bridge Project")
    page.get_by_label("Front-line worker").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("heading", name="Robin Ellis")).to_be_visible()
    expect(page.get_by_role("cell", name="Front-line worker")).to_be_visible()

    # Robin is also to work with the police: Bridge Project's administrator asks; it waits.
    page.get_by_label("Agency").select_option(label="Westbury Police")
    page.get_by_label("Front-line worker").check()
    page.get_by_role("button", name="Save membership").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("waiting for approval")
    expect(page.get_by_text("Waiting for approval", exact=True)).to_be_visible()
    sign_out(page)

    # Robin joins: Bridge Project only, for now.
    accept_invitation(page, "robin.ellis@bridge.example", "Robin", "river stone lantern")
    expect(page.get_by_test_id("identity")).to_contain_text("Front-line worker, Bridge Project")
    expect(page.get_by_test_id("identity")).not_to_contain_text("Westbury Police")
    sign_out(page)

    # The police's own administrator approves it, with a reason.
    browser_sign_in(page, partnership_admin)
    page.goto("/administration/membership-requests/")
    page.get_by_role("link", name="Robin Ellis").click()
    page.get_by_label("Approve the membership").check()
    page.get_by_label("Reason").fill("Joint exploitation team from 1 January")
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Membership approved")
    sign_out(page)

    browser_sign_in(page, _user("robin.ellis@bridge.example"), password="river stone lantern")
    expect(page.get_by_test_id("identity")).to_contain_text("Front-line worker, Westbury Police")


def _user(email):
    from agencies.models import User

    return User.objects.get(email=email)
