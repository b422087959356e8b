"""The front line's journey: log a concern about a new child on a phone, see what to do next
and the chronology; a second agency recording the same child is told only that a match is
held elsewhere, and the first agency's CSE lead sees the task."""

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from agencies.models import Role
from tests.browser.helpers import browser_sign_in
from tests.factories import AgencyFactory, PartnershipFactory, member

BORN = (date.today() - timedelta(days=14 * 365 + 100)).isoformat()
YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


def fill_child(page, first: str, last: str) -> None:
    page.get_by_label("First name").first.fill(first)
    page.get_by_label("Last name").first.fill(last)
    page.get_by_label("Date of birth", exact=True).fill(BORN)
    page.get_by_role("radio", name="Female").check()


def fill_what_happened(page) -> None:
    page.get_by_label("Date it happened").fill(YESTERDAY)
    page.get_by_label("What was seen or said").fill(
        "Picked up from school by an older man in a silver car; would not say who he was."
    )


def test_a_worker_logs_a_concern_and_a_second_agency_is_told_a_match_is_held_elsewhere(
    page, transactional_db
):
    partnership = PartnershipFactory()
    project = AgencyFactory(name="Safe Steps Project", partnerships=[partnership])
    school = AgencyFactory(name="Eastfield Academy", partnerships=[partnership])
    worker = member(Role.FRONTLINE, project)
    lead = member(Role.CSE_LEAD, project)
    teacher = member(Role.FRONTLINE, school)

    browser_sign_in(page, worker)
    page.get_by_role("link", name="Log a concern about a new child").click()
    fill_child(page, "Chloe", "Ashworth")
    fill_what_happened(page)
    page.get_by_label("Entering or leaving vehicles driven by unknown adults").check()
    page.get_by_label('Relationship with a controlling adult or an older "boyfriend"').check()
    page.get_by_label("Mobile phone use that causes concern").check()
    page.get_by_label("Alias or street name").fill("Kez")
    page.get_by_label("Type of place").select_option(label="School or college")
    page.get_by_label("Postcode district").fill("LS6")
    page.get_by_label("Vehicle registration").fill("YX19 ABC")
    page.get_by_role("button", name="Submit concern").click()

    panel = page.get_by_test_id("provisional-category")
    expect(panel).to_contain_text("Provisional category 3: moderate risk")
    expect(panel).to_contain_text("Refer to children's social care")
    expect(page.get_by_text("alias Kez")).to_be_visible()
    expect(page.get_by_text("Vehicle registration: YX19 ABC")).to_be_visible()

    page.get_by_role("link", name="See the child's chronology").click()
    expect(page.get_by_role("heading", name="Chronology")).to_be_visible()
    expect(page.locator(".moj-timeline")).to_contain_text("Concern (submitted)")
    expect(page.locator(".moj-timeline")).to_contain_text("Case opened")
    page.get_by_role("link", name="Print version of this chronology").click()
    expect(page.get_by_role("button", name="Print this page")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Concern (submitted)")
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Sign out").click()

    # A teacher at another agency records the same child, spelt differently.
    browser_sign_in(page, teacher)
    page.get_by_role("link", name="Log a concern about a new child").click()
    fill_child(page, "Khloe", "Ashwort")
    fill_what_happened(page)
    page.get_by_role("button", name="Submit concern").click()
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("A possible match for this child is held by another agency")
    expect(page.locator("body")).not_to_contain_text("Chloe")
    expect(page.locator("body")).not_to_contain_text("Safe Steps Project")
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Sign out").click()

    # The project's CSE lead sees the task and can open their own record.
    browser_sign_in(page, lead)
    page.get_by_role("link", name=re.compile("open task")).click()
    page.get_by_role("link", name=re.compile("may be a person your agency holds")).click()
    expect(page.locator("main")).to_contain_text("Eastfield Academy has recorded a child")
    expect(page.get_by_role("link", name="Chloe Ashworth")).to_be_visible()
    expect(page.get_by_role("link", name="Share the case with Eastfield Academy")).to_be_visible()
