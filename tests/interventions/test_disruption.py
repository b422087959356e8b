"""Disruption and justice activity on suspects, places and networks: recorded by those who
work on the record, shown on its page as a timeline, counted in the problem profile, and
seen by no agency that may not see the record."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from agencies.models import Role
from cases.models import Network, PersonLocation
from interventions.models import DisruptionActivity
from interventions.selectors import disruption_counts
from tests.conftest import sign_in
from tests.factories import AgencyFactory, PartnershipFactory, PersonFactory, member
from tests.interventions.factories import DisruptionFactory, LocationFactory

pytestmark = pytest.mark.django_db


def activity_post(agency, **overrides) -> dict:
    data = {
        "type": "cawn",
        "occurred_on": date.today().isoformat(),
        "agency": str(agency.public_id),
        "details": "Notice served at his home address",
        "court_result": "",
        "outcome": "Accepted the notice",
    }
    data.update(overrides)
    return data


def test_an_analyst_records_a_warning_notice_and_it_shows_on_the_timeline(client, partners):
    sign_in(client, partners.analyst)
    url = f"/people/{partners.suspect.public_id}/disruption/new/"

    assert client.get(url).status_code == 200
    response = client.post(url, activity_post(partners.police))

    assert response.status_code == 302
    activity = DisruptionActivity.objects.get(person=partners.suspect)
    assert (activity.type, activity.agency, activity.created_by) == (
        "cawn",
        partners.police,
        partners.analyst,
    )
    page = client.get(f"/people/{partners.suspect.public_id}/").content.decode()
    assert 'class="moj-timeline"' in page
    assert "Child Abduction Warning Notice" in page
    assert "Notice served at his home address" in page
    assert "Accepted the notice" in page


def test_a_court_outcome_needs_its_result(client, partners):
    sign_in(client, partners.officer)
    url = f"/people/{partners.suspect.public_id}/disruption/new/"

    refused = client.post(url, activity_post(partners.police, type="court_outcome"))
    accepted = client.post(
        url, activity_post(partners.police, type="court_outcome", court_result="conviction")
    )

    assert 'href="#id_court_result"' in refused.content.decode()
    assert "Select the outcome at court" in refused.content.decode()
    assert accepted.status_code == 302
    assert DisruptionActivity.objects.get().court_result == "conviction"
    page = client.get(f"/people/{partners.suspect.public_id}/").content.decode()
    assert "Court outcome: conviction" in page


def test_the_agency_responsible_must_be_of_the_partnership(client, partners):
    sign_in(client, partners.officer)
    stranger = AgencyFactory()

    response = client.post(
        f"/people/{partners.suspect.public_id}/disruption/new/", activity_post(stranger)
    )

    assert "Select an agency of the partnership" in response.content.decode()
    assert not DisruptionActivity.objects.exists()


def test_activity_on_a_network_shows_on_the_network_page(client, partners):
    network = Network.objects.create(owner_agency=partners.police, name="Mill Street")
    sign_in(client, partners.analyst)

    response = client.post(
        f"/networks/{network.public_id}/disruption/new/",
        activity_post(partners.social_care, type="disruption_letter", details="Letters sent"),
    )

    assert response["Location"] == f"/networks/{network.public_id}/"
    page = client.get(response["Location"]).content.decode()
    assert "Disruption letter" in page
    assert "Letters sent" in page
    assert f"by {partners.social_care.name}" in page


def test_the_location_page_shows_the_place_its_visible_people_flags_and_activity(client, partners):
    """People linked to the place whom the user may not see are not mentioned at all."""
    location = LocationFactory(owner_agency=partners.police, description="Hotel by the ring road")
    hidden = PersonFactory(owner_agency=partners.voluntary, kind="suspect", first_name="Hidden")
    PersonLocation.objects.create(person=partners.suspect, location=location, role="exploitation")
    PersonLocation.objects.create(person=hidden, location=location)
    DisruptionFactory(person=None, location=location, type="licensing_referral",
                      agency=partners.police, details="Referred to licensing")  # fmt: skip
    sign_in(client, partners.officer)

    page = client.get(f"/locations/{location.public_id}/").content.decode()
    person_page = client.get(f"/people/{partners.suspect.public_id}/").content.decode()

    assert "Hotel by the ring road" in page
    assert "LS1" in page
    assert f"/people/{partners.suspect.public_id}/" in page
    assert "Hidden" not in page
    assert "Licensing referral" in page
    assert "Referred to licensing" in page
    assert f"/locations/{location.public_id}/" in person_page  # linked from the person


def test_an_agency_that_cannot_see_the_suspect_cannot_see_or_add_its_activity(client, partners):
    DisruptionFactory(person=partners.suspect, details="Arrested at home")
    location = LocationFactory(owner_agency=partners.police)
    sign_in(client, partners.outsider)

    for url in (
        f"/people/{partners.suspect.public_id}/disruption/new/",
        f"/locations/{location.public_id}/",
        f"/locations/{location.public_id}/disruption/new/",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        f"/people/{partners.suspect.public_id}/disruption/new/", activity_post(partners.voluntary)
    )
    assert response.status_code == 404
    assert DisruptionActivity.objects.count() == 1


def test_activity_is_for_suspects_and_associates_not_children(client, partners):
    sign_in(client, partners.officer)
    url = f"/people/{partners.case.child.public_id}/disruption/new/"
    assert client.get(url).status_code == 404


def test_disruption_counts_are_by_type_in_the_period_for_the_agencies_records(partners):
    """Only activity dated in the period, not archived, on records those agencies hold."""
    police = partners.police
    location = LocationFactory(owner_agency=police)
    network = Network.objects.create(owner_agency=police, name="Mill Street")
    DisruptionFactory(person=partners.suspect, type="arrest")
    DisruptionFactory(person=None, location=location, type="arrest", agency=police)
    DisruptionFactory(person=None, network=network, type="charge", agency=police)
    DisruptionFactory(
        person=partners.suspect, type="arrest", occurred_on=date.today() - timedelta(400)
    )
    DisruptionFactory(person=partners.suspect, type="arrest", archived_at="2025-01-01T00:00Z")
    elsewhere = PersonFactory(owner_agency=partners.voluntary, kind="suspect")
    DisruptionFactory(person=elsewhere, type="arrest")

    counts = disruption_counts(
        agency_ids=[police.pk], start=date.today() - timedelta(30), end=date.today()
    )

    assert counts["arrest"] == 2
    assert counts["charge"] == 1
    assert counts["cawn"] == 0
    assert set(counts) == set(DisruptionActivity.Type.values)
    both = disruption_counts(
        agency_ids=[police.pk, partners.voluntary.pk],
        start=date.today() - timedelta(30),
        end=date.today(),
    )
    assert both["arrest"] == 3


def profile_table(page: str) -> str:
    start = page.index('data-testid="table-disruption"')
    return page[start : page.index("</table>", start)]


def test_the_problem_profile_counts_disruption_by_type(client):
    """An analyst who can open every agency's records sees exact counts; the LSCB chair sees
    counts from 1 to 4 as "fewer than 5", suppressed as every other table is."""
    partnership = PartnershipFactory()
    police = AgencyFactory(partnerships=[partnership])
    suspect = PersonFactory(owner_agency=police, kind="suspect")
    for _ in range(6):
        DisruptionFactory(person=suspect, type="arrest")
    DisruptionFactory(person=suspect, type="charge")
    sign_in(client, member(Role.ANALYST, police))

    page = client.get("/dashboard/problem-profile/").content.decode()

    assert "Disruption and justice activity</h2>" in page
    table = profile_table(page)
    assert "Arrest" in table
    assert ">6<" in table.replace(" ", "")
    assert "Charge" in table

    client.logout()
    sign_in(client, member(Role.LSCB_CHAIR, police))
    table = profile_table(client.get("/dashboard/problem-profile/").content.decode())
    # The single charge is hidden, and so is the arrests' 6 (it would give the charge away
    # from the total of 7): the dashboards' secondary suppression.
    assert "fewer than 5" in table
    assert ">1<" not in table.replace(" ", "")
    assert ">6<" not in table.replace(" ", "")
    assert ">7<" in table.replace(" ", "")


def test_the_problem_profile_pdf_has_the_disruption_table(client):
    police = AgencyFactory()
    DisruptionFactory(person=PersonFactory(owner_agency=police, kind="suspect"))
    sign_in(client, member(Role.ANALYST, police))

    response = client.get("/dashboard/problem-profile.pdf")

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


def test_the_disruption_table_downloads_as_csv(client):
    police = AgencyFactory()
    DisruptionFactory(person=PersonFactory(owner_agency=police, kind="suspect"))
    sign_in(client, member(Role.ANALYST, police))

    response = client.get("/dashboard/tables/disruption.csv")

    assert response.status_code == 200
    assert "Arrest,1" in response.content.decode()


def test_an_entry_made_in_error_is_removed_with_a_reason_and_leaves_the_counts(client, partners):
    wrong = DisruptionFactory(person=partners.suspect, type="arrest", details="Arrested at Zephyr")
    sign_in(client, partners.outsider)
    assert client.get(f"/disruption/{wrong.public_id}/remove/").status_code == 404
    client.logout()
    sign_in(client, partners.officer)
    url = f"/disruption/{wrong.public_id}/remove/"

    refused = client.post(url, {"reason": ""})
    response = client.post(url, {"reason": "Recorded against the wrong suspect"})

    assert refused.status_code == 200
    assert "Enter why the entry is removed" in refused.content.decode()
    assert response["Location"] == f"/people/{partners.suspect.public_id}/"
    wrong.refresh_from_db()
    assert (wrong.archived_by, wrong.archived_reason) == (
        partners.officer,
        "Recorded against the wrong suspect",
    )
    page = client.get(f"/people/{partners.suspect.public_id}/").content.decode()
    assert "Arrested at Zephyr" not in page
    counts = disruption_counts(
        agency_ids=[partners.police.pk], start=date.today(), end=date.today()
    )
    assert counts["arrest"] == 0
    assert client.get(url).status_code == 404
