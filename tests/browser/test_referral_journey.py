"""A voluntary project refers a child to children's social care; social care acknowledges and
accepts; the social worker then sees the case and its chronology; a third agency still gets
"Page not found"."""

from playwright.sync_api import expect

from agencies.models import Role
from tests.browser.helpers import browser_sign_in
from tests.factories import AgencyFactory, CaseFactory, PartnershipFactory, member


def sign_out(page) -> None:
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Sign out").click()


def test_a_referral_from_a_project_to_social_care_shares_the_case_on_acceptance(
    page, transactional_db
):
    partnership = PartnershipFactory()
    project = AgencyFactory(name="Safe Steps Project", partnerships=[partnership])
    social_care = AgencyFactory(name="Riverside Children's Social Care", partnerships=[partnership])
    school = AgencyFactory(name="Eastfield Academy", partnerships=[partnership])
    case = CaseFactory(owner_agency=project, child__first_name="Maisie", child__last_name="Doyle")
    case_url = f"/cases/{case.public_id}/"
    worker = member(Role.FRONTLINE, project)
    lead = member(Role.CSE_LEAD, social_care)
    social_worker = member(Role.FRONTLINE, social_care)
    teacher = member(Role.FRONTLINE, school)

    browser_sign_in(page, worker)
    page.goto(case_url)
    page.get_by_role("link", name="Refer to another agency").click()
    page.get_by_label("Refer to").select_option(label="Riverside Children's Social Care")
    page.get_by_label("Urgent").check()
    page.get_by_label("Why you are referring").fill("Seen getting into cars with older men.")
    page.get_by_label("What you are asking for").fill("A strategy discussion.")
    page.get_by_role("radio", name="Yes").check()
    page.get_by_label("Without consent: to safeguard a child").check()
    page.get_by_label("Why the case is shared without consent").fill(
        "Asking would alert the men she meets."
    )
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("Sent")
    sign_out(page)

    browser_sign_in(page, social_worker)
    page.goto(case_url)
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    sign_out(page)

    browser_sign_in(page, lead)
    page.goto("/referrals/")
    page.get_by_role("link", name="Maisie Doyle").click()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("Acknowledged")
    page.get_by_role("button", name="Accept").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("the case is now shared")
    sign_out(page)

    browser_sign_in(page, social_worker)
    page.goto(case_url)
    expect(page.get_by_role("heading", name="Maisie Doyle")).to_be_visible()
    page.get_by_role("link", name="Chronology").click()
    expect(page.locator(".moj-timeline")).to_contain_text(
        "Referral to Riverside Children's Social Care"
    )
    sign_out(page)

    browser_sign_in(page, teacher)
    page.goto(case_url)
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
