"""The LSCB chair reviews the demo partnership's dashboard on a phone-sized screen."""

from django.utils import timezone
from playwright.sync_api import expect

from agencies.demo import DEMO_PASSWORD, demo_email, demo_seed
from agencies.models import User
from cases.demo import demo_cases_seed
from tests.browser.helpers import browser_sign_in

PANELS = [
    "children-by-risk",
    "trend",
    "missing",
    "living-situation",
    "referrals-by-state",
    "referral-times",
    "reassessments",
    "suspects-identification",
    "suspects-sex",
    "suspects-age",
    "suspects-ethnicity",
    "networks",
    "locations",
    "indicators",
]


def test_the_chair_changes_the_period_and_sees_every_panel_with_its_table(page, transactional_db):
    demo_seed()
    demo_cases_seed()
    chair = User.objects.get(email=demo_email("demo-csc", "lscb_chair"))
    browser_sign_in(page, chair, password=DEMO_PASSWORD)

    page.get_by_role("button", name="Menu").click()  # the phone-sized menu
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Partnership dashboard")).to_be_visible()
    expect(page.get_by_test_id("dashboard-scope")).to_contain_text(
        "Riverside Safeguarding Children Partnership"
    )

    page.get_by_text("Change the period or agencies").click()
    this_year = timezone.localdate().replace(month=1, day=1)
    page.get_by_label("Period start").fill(this_year.isoformat())
    page.get_by_role("button", name="Show figures").click()

    expect(page.get_by_test_id("dashboard-scope")).to_contain_text(f"{this_year:%-d %B %Y}")
    for slug in PANELS:
        panel = page.get_by_test_id(f"panel-{slug}")
        expect(panel.get_by_role("table")).to_be_visible()
    # Three demo children have open cases: fewer than 5, never the exact number.
    risk = page.get_by_test_id("table-children-by-risk")
    expect(risk.get_by_role("row", name="Total")).to_contain_text("fewer than 5")
    expect(page.get_by_test_id("suppression-note")).to_be_visible()
    expect(page.locator("svg.app-chart").first).to_be_visible()

    page.get_by_role("link", name="Data quality").click()
    expect(page.get_by_role("heading", name="Data quality")).to_be_visible()
    expect(page.get_by_test_id("table-quality-children")).to_contain_text("Riverside Police")
