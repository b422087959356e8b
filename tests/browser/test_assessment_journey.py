"""A worker completes a risk assessment on a phone: the score updates as they answer, and the
rules that override the score are named."""

from datetime import date

from playwright.sync_api import expect

from agencies.models import Role
from tests.browser.helpers import browser_sign_in
from tests.factories import CaseFactory, member


def test_a_twelve_year_old_scoring_category_2_is_category_3_after_the_rules(page, transactional_db):
    case = CaseFactory()
    today = date.today()
    case.child.date_of_birth = (
        date(today.year - 12, 1, 1) if today.month > 1 else date(today.year - 13, 2, 1)
    )
    case.child.save()
    worker = member(Role.FRONTLINE, case.owner_agency)
    browser_sign_in(page, worker)

    page.goto(f"/cases/{case.public_id}/")
    page.get_by_role("link", name="Start a risk assessment").click()
    expect(page.get_by_role("heading", name="Risk assessment")).to_be_visible()

    s01 = page.get_by_role("group", name="S01 Persistently missing")
    s01.get_by_label("In the past 6 months").check()
    # htmx re-scores on the server as the assessor answers, without leaving the page.
    expect(page.get_by_test_id("scored-category")).to_have_text("1")
    expect(page.get_by_test_id("rules-category")).to_contain_text("3: moderate risk")
    page.get_by_role("group", name="V04 Breakdown of family relationships").get_by_label(
        "Present", exact=True
    ).check()
    expect(page.get_by_test_id("scored-category")).to_have_text("2")
    expect(page.get_by_test_id("rules-category")).to_contain_text("3: moderate risk")
    expect(page.get_by_test_id("rule-applied")).to_contain_text(
        "Under 13 or with a learning disability"
    )

    page.get_by_role("button", name="Complete assessment").click()
    expect(page.get_by_test_id("final-category")).to_contain_text("3: moderate risk")
    expect(page.locator("main")).to_contain_text(
        "Under 13 or with a learning disability, and a significant indicator present in the past "
        "6 months: at least category 3"
    )
    page.get_by_role("link", name="Back to the case").click()
    expect(page.get_by_test_id("risk-category")).to_contain_text("Category 3")
    expect(page.get_by_role("table", name="Risk category over time")).to_be_visible()
