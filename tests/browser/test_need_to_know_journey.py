"""Need-to-know in the browser: a CSE lead restricts a child; a colleague searching for the
child finds only that a restricted record exists, and none of its concern; in an emergency,
with a reason, the colleague opens it and the lead professional is told at once; a police
note marked police only stays out of the chronology social care sees."""

from playwright.sync_api import expect

from agencies.models import Role
from cases.services import (
    ConcernData,
    PersonData,
    case_open,
    case_share,
    concern_log,
    person_create,
)
from indicators.selectors import indicator_set_current
from tests.browser.helpers import browser_sign_in
from tests.browser.test_referral_journey import sign_out
from tests.factories import AgencyFactory, PartnershipFactory, member

# Names and words no generated name of a user contains, so their absence from a page counts.
CHILD = ("Xanthe", "Quarrington")
CONCERN = "Seen with Orrin Pellow outside the arcade"
INTELLIGENCE = "Source reports Orrin Pellow keeps a flat on Dock Street"


def test_restricted_records_emergency_access_and_handling_codes(page, transactional_db):
    partnership = PartnershipFactory()
    police = AgencyFactory(name="Riverside Police", type="police", partnerships=[partnership])
    social_care = AgencyFactory(name="Riverside Social Care", partnerships=[partnership])
    cse_lead = member(Role.CSE_LEAD, police)
    officer = member(Role.FRONTLINE, police)  # the lead professional
    colleague = member(Role.FRONTLINE, police)
    social_worker = member(Role.FRONTLINE, social_care)
    child = person_create(
        data=PersonData(kind="child", first_name=CHILD[0], last_name=CHILD[1]),
        owner_agency=police,
        by=officer,
    )
    case = case_open(child=child, owner_agency=police, by=officer)
    case.lead_professional = officer
    case.save()
    concern = concern_log(
        case=case, data=ConcernData(occurred_on=case.created_at.date(), narrative=CONCERN),
        reporter_agency=police, indicator_set=indicator_set_current(), submit=True, by=officer,
    )  # fmt: skip
    case_share(case=case, agency=social_care, reason="Strategy discussion",
               lawful_basis="safeguarding", by=cse_lead)  # fmt: skip

    # The CSE lead restricts the child to the officer leading the case.
    browser_sign_in(page, cse_lead)
    page.goto(f"/people/{child.public_id}/")
    page.get_by_role("link", name="Restrict this record to named people").click()
    page.get_by_role("button", name="Restrict the record").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter why the record is restricted"
    )
    page.get_by_label("Why the record is restricted").fill("Related to a member of staff")
    page.get_by_label(officer.full_name).check()
    page.get_by_role("button", name="Restrict the record").click()
    expect(page.get_by_test_id("restriction")).to_contain_text(officer.full_name)
    sign_out(page)

    # A colleague who is not named searches for the child.
    browser_sign_in(page, colleague)
    page.goto("/people/search/")
    page.get_by_label("Name, alias or known as").fill(" ".join(CHILD))
    page.get_by_role("button", name="Search").click()
    results = page.locator("table.govuk-table")
    expect(results).to_contain_text("Restricted record")
    expect(results).to_contain_text("Riverside Police")
    expect(results).not_to_contain_text(CHILD[1])
    expect(page.locator("main")).not_to_contain_text(CONCERN)
    page.goto("/cases/")
    expect(page.locator("main")).not_to_contain_text(CHILD[1])
    response = page.goto(f"/concerns/{concern.public_id}/")
    assert response.status == 404
    expect(page.locator("main")).not_to_contain_text(CONCERN)

    # Emergency access, with a reason.
    page.goto("/people/search/")
    page.get_by_label("Name, alias or known as").fill(" ".join(CHILD))
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Restricted record").click()
    page.get_by_role("button", name="Open the record in an emergency").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why this is an emergency")
    page.get_by_label("Why this is an emergency").fill(
        "Missing tonight; the record may say where she goes"
    )
    page.get_by_role("button", name="Open the record in an emergency").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(" ".join(CHILD))
    expect(page.locator("main")).to_contain_text("You have emergency access")
    page.goto(f"/concerns/{concern.public_id}/")
    expect(page.locator("main")).to_contain_text(CONCERN)
    sign_out(page)

    # The lead professional is told at once, with who, why and until when.
    browser_sign_in(page, officer)
    page.goto("/tasks/")
    page.get_by_role("link", name="Emergency access was used").first.click()
    emergency = page.get_by_test_id("emergency-access")
    expect(emergency).to_contain_text(colleague.full_name)
    expect(emergency).to_contain_text("Missing tonight")

    # Police intelligence marked police only, on the case shared with social care.
    page.goto(f"/cases/{case.public_id}/notes/new/")
    page.get_by_label("Note", exact=True).fill(INTELLIGENCE)
    page.get_by_label("Police only: not to be shared outside police agencies").check()
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("main")).to_contain_text(INTELLIGENCE)
    page.goto(f"/cases/{case.public_id}/notes/new/")
    page.get_by_label("Note", exact=True).fill("Home visit arranged with social care")
    page.get_by_role("button", name="Add note").click()
    # The restriction is lifted so that social care sees the case again.
    sign_out(page)
    browser_sign_in(page, cse_lead)
    page.goto(f"/people/{child.public_id}/")
    page.get_by_role("link", name="Lift the restriction").click()
    page.get_by_label("Why the restriction is lifted").fill("Staff member has left")
    page.get_by_role("button", name="Lift the restriction").click()
    sign_out(page)

    browser_sign_in(page, social_worker)
    page.goto(f"/cases/{case.public_id}/chronology/")
    expect(page.locator("main")).to_contain_text("Home visit arranged with social care")
    expect(page.locator("main")).not_to_contain_text(INTELLIGENCE)
