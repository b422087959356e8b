"""A police CSE lead arranges a multi-agency meeting and puts two children, a place and an
unshared suspect on its agenda; social care and health attendees record what they know and
take actions; health sees the suspect only as restricted, in the minutes and the printout; an
action left past its due date shows as overdue in its owner's task list."""

from datetime import date, timedelta

from playwright.sync_api import expect

from agencies.access import record_share
from agencies.models import Role
from cases.models import Location
from cases.services import PersonData, case_open, case_share, person_create
from meetings.models import AgendaItem, MeetingAction
from tests.browser.helpers import browser_sign_in
from tests.browser.test_referral_journey import sign_out
from tests.factories import AgencyFactory, PartnershipFactory, member


def add_action(page, description: str, agency: str, owner: str = "") -> None:
    page.get_by_label("Action").fill(description)
    page.get_by_label("Agency responsible").select_option(label=agency)
    if owner:
        page.get_by_label("Person responsible").select_option(label=owner)
    page.get_by_label("Due by").fill(date.today().isoformat())
    page.get_by_role("button", name="Add action").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Action given to {agency}")


def test_a_meeting_reviews_children_and_a_place_and_each_agency_sees_only_what_it_may(
    page, transactional_db
):
    partnership = PartnershipFactory()
    police = AgencyFactory(name="Riverside Police", type="police", partnerships=[partnership])
    social_care = AgencyFactory(name="Riverside Social Care", partnerships=[partnership])
    health = AgencyFactory(name="Riverside Health", type="health", partnerships=[partnership])
    chair = member(Role.CSE_LEAD, police)
    officer = member(Role.FRONTLINE, police)
    social_worker = member(Role.FRONTLINE, social_care)
    nurse = member(Role.FRONTLINE, health)

    def child(first, last, agency, by):
        data = PersonData(kind="child", first_name=first, last_name=last)
        return case_open(
            child=person_create(data=data, owner_agency=agency, by=by), owner_agency=agency, by=by
        )

    zinnia = child("Zinnia", "Moore", social_care, social_worker)
    ella = child("Ella", "Kent", police, officer)
    for case in (zinnia, ella):
        for agency in {police, social_care, health} - {case.owner_agency}:
            case_share(
                case=case,
                agency=agency,
                reason="MASE referral",
                lawful_basis="safeguarding",
                by=officer,
            )
    # Names that no generated name of a user contains, so their absence from a page counts.
    suspect = person_create(
        data=PersonData(kind="suspect", first_name="Zebedee", last_name="Quarrington"),
        owner_agency=police,
        by=officer,
    )
    park = Location.objects.create(
        owner_agency=police, type="park", description="Mill Lane recreation ground"
    )
    for agency in (social_care, health):
        record_share(
            record=park, agency=agency, reason="MASE", lawful_basis="safeguarding", by=officer
        )

    browser_sign_in(page, chair)
    page.goto("/meetings/")
    page.get_by_role("link", name="Arrange a meeting").click()
    page.get_by_label("Name of the meeting").fill("Riverside MASE")
    page.get_by_label("Date of the meeting").fill(date.today().isoformat())
    page.get_by_label("Riverside Social Care").check()
    page.get_by_label("Riverside Health").check()
    page.get_by_role("button", name="Arrange meeting").click()
    expect(page.get_by_role("heading", name="Riverside MASE")).to_be_visible()
    meeting_url = page.url

    for record_url in (
        f"/cases/{zinnia.public_id}/",
        f"/cases/{ella.public_id}/",
        f"/people/{suspect.public_id}/",
    ):
        page.goto(record_url)
        page.get_by_role("link", name="Add to a meeting").click()
        page.get_by_label("Riverside MASE").check()
        page.get_by_role("button", name="Add to agenda").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Added to the agenda")
    page.goto(f"/locations/{park.public_id}/")
    page.get_by_role("link", name="Add to a meeting").click()
    page.get_by_label("Riverside MASE").check()
    page.get_by_role("button", name="Add to agenda").click()
    items = page.get_by_test_id("agenda-item")
    expect(items).to_have_count(4)
    expect(items.nth(2)).to_contain_text("Zebedee Quarrington")

    items.nth(0).get_by_role("link", name="Zinnia Moore").click()
    page.get_by_label("Information shared").fill("Police: seen twice near the takeaway.")
    page.get_by_role("button", name="Record information").click()
    page.get_by_label("Risk category agreed").select_option(label="3: moderate risk")
    page.get_by_label("Decisions").fill("Joint visit; disruption of the takeaway.")
    page.get_by_role("button", name="Save what was agreed").click()
    expect(page.get_by_test_id("agenda-item")).to_contain_text("3: moderate risk")
    add_action(page, "Licensing referral for the takeaway", "Riverside Police")
    sign_out(page)

    browser_sign_in(page, social_worker)
    page.goto(meeting_url)
    page.get_by_test_id("agenda-item").nth(0).get_by_role("link", name="Zinnia Moore").click()
    page.get_by_label("Information shared").fill("Social care: missing from home twice.")
    page.get_by_role("button", name="Record information").click()
    add_action(
        page,
        "Return home interview within 72 hours",
        "Riverside Social Care",
        owner=f"{social_worker.full_name}, Riverside Social Care",
    )
    sign_out(page)

    browser_sign_in(page, nurse)
    page.goto(meeting_url)
    items = page.get_by_test_id("agenda-item")
    expect(items.nth(0)).to_contain_text("Social care: missing from home twice.")
    expect(items.nth(2)).to_contain_text("A suspected offender held by Riverside Police")
    expect(items.nth(2).get_by_test_id("restricted-item")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Zebedee")
    expect(page.locator("main")).not_to_contain_text("Quarrington")
    page.get_by_role("link", name="Agenda and minutes for printing").click()
    expect(page.locator("main")).to_contain_text("Mill Lane recreation ground")
    expect(page.locator("main")).not_to_contain_text("Quarrington")
    hidden = AgendaItem.objects.get(kind="person", person=suspect)
    response = page.goto(f"/meetings/items/{hidden.public_id}/")
    assert response.status == 404

    page.goto(meeting_url)
    page.get_by_test_id("agenda-item").nth(3).get_by_role("link").first.click()
    page.get_by_label("Information shared").fill("Health: school nurse saw the park gatherings.")
    page.get_by_role("button", name="Record information").click()
    expect(page.get_by_text("Health: school nurse saw the park gatherings.")).to_be_visible()
    add_action(page, "Drop-in session at the school", "Riverside Health")
    expect(page.get_by_test_id("agenda-item")).to_contain_text("Drop-in session at the school")
    sign_out(page)

    assert MeetingAction.objects.count() == 3
    # Two weeks on, the actions have not been done.
    MeetingAction.objects.update(due_on=date.today() - timedelta(days=14))
    browser_sign_in(page, social_worker)
    page.goto("/tasks/")
    row = page.get_by_test_id("meeting-actions").get_by_role("row", name="Return home interview")
    expect(row).to_contain_text("Overdue")
    expect(row).to_contain_text("Zinnia Moore")
