"""A safeguarding lead asks for the CEOP-style return, follows its progress and downloads it;
the agency's CSE lead then finds the download in the access log."""

import pytest
from django.db import connections
from playwright.sync_api import expect

from agencies.demo import DEMO_PASSWORD, demo_email, demo_seed
from agencies.models import User
from cases.demo import demo_cases_seed
from cases.models import Network
from tests.browser.helpers import browser_sign_in


@pytest.mark.worker
def test_the_safeguarding_lead_downloads_the_return_and_the_log_shows_it(
    page, celery_worker_process
):
    """A real worker produces the return; the table follows it without reloading the page."""
    demo_seed()
    demo_cases_seed()
    lead = User.objects.get(email=demo_email("demo-csc", "safeguarding_lead"))
    browser_sign_in(page, lead, password=DEMO_PASSWORD)

    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Returns").click()
    expect(page.get_by_role("heading", name="Returns", exact=True)).to_be_visible()
    page.get_by_label("Workbook (.xlsx), with percentages, for people").check()
    # Holding the networks table keeps the worker mid-count, so the progress is seen for sure.
    blocker = connections.create_connection("default")
    blocker.set_autocommit(False)
    try:
        with blocker.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Network._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        page.get_by_role("button", name="Ask for the return").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("progress is shown")
        # Marks this page: if the table moves on by a reload, the mark would be gone.
        page.evaluate("document.body.dataset.sameLoad = 'yes'")
        status = page.get_by_test_id("job-status").first
        expect(status).to_contain_text("Counting victims, suspects and networks", timeout=60_000)
        expect(status.get_by_role("progressbar", name="Progress")).to_have_attribute("value", "10")
    finally:
        blocker.rollback()
        blocker.close()
    expect(status).to_contain_text("Download", timeout=60_000)
    assert page.evaluate("document.body.dataset.sameLoad") == "yes"
    with page.expect_download() as download:
        status.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Sign out").click()

    cse_lead = User.objects.get(email=demo_email("demo-csc", "cse_lead"))
    browser_sign_in(page, cse_lead, password=DEMO_PASSWORD)
    page.goto("/access-log/")
    row = page.get_by_role("row").filter(has_text="Exported")
    expect(row.first).to_contain_text(lead.full_name)
