import re

from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD, MembershipFactory, enrol_totp, totp_code


def test_a_member_signs_in_on_a_phone_with_password_and_code(page, transactional_db):
    """A user signs in through both steps and lands on the home page with their agency."""
    membership = MembershipFactory(agency__name="Northtown Police", role="frontline")
    device = enrol_totp(membership.user)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/$"))
    page.get_by_label("E-mail address").fill(membership.user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(
        page.get_by_role("heading", name="Enter the code from your authenticator app")
    ).to_be_visible()
    page.get_by_label("Code from your authenticator app").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name=re.compile("^Welcome"))).to_be_visible()
    expect(page.get_by_role("cell", name="Northtown Police")).to_be_visible()
    # GOV.UK Frontend's JavaScript ran (as a module, under the CSP).
    expect(page.locator("body")).to_have_class(re.compile("govuk-frontend-supported"))


def test_a_wrong_password_shows_the_error_summary_and_keeps_the_address(page, transactional_db):
    """A failed sign-in says what went wrong, links to it, and keeps what was typed."""
    membership = MembershipFactory()

    page.goto("/sign-in/")
    page.get_by_label("E-mail address").fill(membership.user.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the e-mail address and password of an active account")
    expect(summary).to_be_focused()
    expect(page.get_by_label("E-mail address")).to_have_value(membership.user.email)
