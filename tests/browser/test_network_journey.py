"""An analyst links three suspects and two children through a shared vehicle and a place,
confirms the suggested network, marks a core member and sees the graph and its table; a user
of another agency sees the shared child, and the suspects only as restricted."""

from playwright.sync_api import expect

from agencies.models import Role
from cases import services
from tests.browser.helpers import browser_sign_in
from tests.factories import AgencyFactory, PartnershipFactory, member


def add_detail(page, person, kind: str, value: str) -> None:
    page.goto(f"/people/{person.public_id}/")
    page.get_by_label("Type of detail").select_option(label=kind)
    page.get_by_label("Value").fill(value)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Detail added")


def test_an_analyst_builds_a_network_and_another_agency_sees_only_what_it_may(
    page, transactional_db
):
    partnership = PartnershipFactory()
    police = AgencyFactory(name="Riverside Police", partnerships=[partnership])
    social_care = AgencyFactory(name="Riverside Social Care", partnerships=[partnership])
    analyst = member(Role.ANALYST, police)
    officer = member(Role.FRONTLINE, police)

    def record(kind, first, last):
        data = services.PersonData(kind=kind, first_name=first, last_name=last)
        return services.person_create(data=data, owner_agency=police, by=officer)

    suspects = [record("suspect", f, "Varley") for f in ("Aaron", "Brett", "Carl")]
    children = [record("child", "Daisy", "Moore"), record("child", "Ella", "Kent")]

    browser_sign_in(page, analyst)
    for person in [*suspects, children[0]]:
        add_detail(page, person, "Vehicle registration", "YK19 ZZZ")
    for person in (suspects[2], children[1]):
        add_detail(page, person, "Address", "12 Mill Street, RV1 1AA")

    page.goto("/networks/suggested/")
    suggestion = page.get_by_test_id("suggestion")
    expect(suggestion).to_contain_text("3 suspects and 2 other people")
    suggestion.get_by_label("Name of the network").fill("Mill Street group")
    suggestion.get_by_role("button", name="Confirm network").click()
    expect(page.get_by_role("heading", name="Mill Street group")).to_be_visible()

    page.get_by_label("Role of Aaron Varley").select_option(label="Core member")
    page.get_by_role("button", name="Save role").first.click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("core member")
    expect(page.locator("#graph canvas").first).to_be_attached()
    nodes = page.get_by_test_id("graph-nodes")
    expect(nodes).to_contain_text("YK19 ZZZ")
    expect(nodes).to_contain_text("12 Mill Street, RV1 1AA")
    expect(nodes.get_by_role("row", name="Aaron Varley")).to_contain_text("Core member")

    case = services.case_open(child=children[0], owner_agency=police, by=officer)
    services.case_share(
        case=case,
        agency=social_care,
        reason="Referral accepted",
        lawful_basis="safeguarding",
        by=officer,
    )
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Sign out").click()

    browser_sign_in(page, member(Role.FRONTLINE, social_care))
    page.goto(f"/people/{children[0].public_id}/graph/")
    nodes = page.get_by_test_id("graph-nodes")
    expect(nodes).to_contain_text("Daisy Moore")
    expect(nodes).to_contain_text("Restricted person")
    expect(page.locator("main")).not_to_contain_text("Varley")
    expect(page.locator("main")).not_to_contain_text("Mill Street")  # nothing through them
