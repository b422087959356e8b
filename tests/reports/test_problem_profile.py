"""The problem profile: the dashboards' figures in a police problem profile's order, printable
and as a PDF, suppressed as the dashboards are, and its download logged."""

from datetime import date

import pytest

from agencies.models import AccessLogEntry, Role
from reports.problem_profile import SECTIONS
from tests.conftest import sign_in
from tests.factories import AgencyFactory, CaseFactory, PartnershipFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def partnership_cases():
    partnership = PartnershipFactory()
    agencies = [AgencyFactory(partnerships=[partnership]) for _ in range(2)]
    for agency in agencies:
        for _ in range(3):
            CaseFactory(owner_agency=agency, first_contact_date=date.today(), risk_category=2)
    return partnership, agencies


def test_the_profile_has_every_section_with_its_tables(client, partnership_cases):
    _, agencies = partnership_cases
    sign_in(client, member(Role.LSCB_CHAIR, agencies[0]))

    page = client.get("/dashboard/problem-profile/").content.decode()

    titles = [title for title, _, _ in SECTIONS] + ["How complete the records are"]
    for number, title in enumerate(titles, start=1):
        assert f">{number}. {title}</h2>" in page
    assert 'data-testid="table-children-by-risk"' in page
    assert 'data-testid="table-suspects-identification"' in page
    # Six children in the partnership, but 3 per agency: the chair sees no exact small count.
    assert "fewer than 5" in page


def test_the_pdf_is_a_document_of_the_same_figures_and_is_logged(client, partnership_cases):
    _, agencies = partnership_cases
    analyst = member(Role.ANALYST, agencies[0])
    sign_in(client, analyst)

    response = client.get("/dashboard/problem-profile.pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response.content.count(b"/Type /Page\n") >= 2
    entry = AccessLogEntry.objects.get(action="export", user=analyst)
    assert entry.record_type == "problem profile"
    assert sorted(entry.detail["agencies"]) == sorted(a.code for a in agencies)


def test_a_bad_period_shows_the_form_with_its_error(client, partnership_cases):
    _, agencies = partnership_cases
    sign_in(client, member(Role.ANALYST, agencies[0]))
    response = client.get("/dashboard/problem-profile.pdf?start=2025-02-30")
    assert response.status_code == 400
    assert "Enter the period start as a real date" in response.content.decode()
    assert not AccessLogEntry.objects.filter(action="export").exists()
