"""Support of the child through the justice process, on the case: one record per case, made
the first time it is saved; concurrent edits refused by version; court dates added and
removed (archived)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from interventions import services
from interventions.models import CourtDate, VictimSupport
from tests.conftest import sign_in
from tests.factories import member

pytestmark = pytest.mark.django_db


def support_post(**overrides) -> dict:
    data = {
        "abe_status": "completed",
        "abe_date": (date.today() - timedelta(days=10)).isoformat(),
        "special_measures": ["screens", "intermediary"],
        "support_worker_name": "Sam Patel",
        "support_worker_role": "ISVA",
        "support_worker_agency": "",
        "court_outcome": "",
        "continued_support": "continuing",
        "continued_support_until": (date.today() + timedelta(days=180)).isoformat(),
    }
    data.update(overrides)
    return data


def version_in(page: str) -> str:
    marker = 'name="version" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def test_the_first_edit_makes_the_record_and_the_case_page_shows_it(client, partners):
    sign_in(client, partners.officer)
    url = f"/cases/{partners.case.public_id}/victim-support/"
    page = client.get(url).content.decode()
    assert version_in(page) == "0"

    response = client.post(
        url,
        support_post(version="0", support_worker_agency=str(partners.voluntary.public_id)),
    )

    assert response.status_code == 302
    support = VictimSupport.objects.get(case=partners.case)
    assert support.special_measures == ["screens", "intermediary"]
    assert (support.support_worker_agency, support.created_by) == (
        partners.voluntary,
        partners.officer,
    )
    case_page = client.get(f"/cases/{partners.case.public_id}/").content.decode()
    assert "Support through the justice process" in case_page
    assert "Screens, Intermediary" in case_page
    assert "Sam Patel (ISVA)" in case_page
    assert partners.voluntary.name in case_page


def test_an_edit_from_an_older_version_is_refused_and_keeps_what_was_typed(client, partners):
    """Someone else saved in between and changed a field of the form: nothing is saved, and
    the form comes back with both versions."""
    sign_in(client, partners.officer)
    url = f"/cases/{partners.case.public_id}/victim-support/"
    client.post(url, support_post(version="0"))
    shown_version = version_in(client.get(url).content.decode())
    colleague = member(agency=partners.police)
    services.victim_support_update(
        case=partners.case, changes={"support_worker_name": "Jo Bright"}, by=colleague,
        expected_version=int(shown_version),
    )  # fmt: skip

    response = client.post(
        url, support_post(version=shown_version, support_worker_name="Alex Kerr")
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "while you were editing it, and nothing of yours was saved" in page
    assert "Jo Bright" in page
    assert 'value="Alex Kerr"' in page
    assert VictimSupport.objects.get().support_worker_name == "Jo Bright"


def test_two_first_edits_cannot_both_make_the_record(client, partners):
    """Two people opened the form before there was a record: the second save is refused."""
    sign_in(client, partners.officer)
    url = f"/cases/{partners.case.public_id}/victim-support/"
    services.victim_support_update(
        case=partners.case, changes={"abe_status": "planned"}, by=partners.officer,
        expected_version=services.NEW_RECORD_VERSION,
    )  # fmt: skip

    response = client.post(url, support_post(version="0", abe_status="declined"))

    assert "nothing of yours was saved" in response.content.decode()
    assert VictimSupport.objects.get().abe_status == "planned"


def test_an_end_date_of_support_only_when_it_continues(client, partners):
    sign_in(client, partners.officer)

    response = client.post(
        f"/cases/{partners.case.public_id}/victim-support/",
        support_post(version="0", continued_support="ended"),
    )

    assert 'href="#id_continued_support_until"' in response.content.decode()
    assert not VictimSupport.objects.exists()


def test_court_dates_are_added_and_removed(client, partners):
    sign_in(client, partners.officer)
    trial_on = (date.today() + timedelta(days=40)).isoformat()

    refused = client.post(
        f"/cases/{partners.case.public_id}/victim-support/court-dates/new/",
        {"date": "", "hearing_type": "trial"},
    )
    response = client.post(
        f"/cases/{partners.case.public_id}/victim-support/court-dates/new/",
        {"date": trial_on, "hearing_type": "trial", "note": "Crown Court"},
    )

    assert "Enter the date of the hearing" in refused.content.decode()
    assert response.status_code == 302
    court_date = CourtDate.objects.get()
    page = client.get(f"/cases/{partners.case.public_id}/").content.decode()
    assert "Trial: Crown Court" in page
    assert client.post(f"/court-dates/{court_date.public_id}/remove/").status_code == 302
    court_date.refresh_from_db()
    assert court_date.is_archived
    page = client.get(f"/cases/{partners.case.public_id}/").content.decode()
    assert "Crown Court" not in page


def test_an_agency_that_cannot_see_the_case_cannot_see_or_change_its_support(client, partners):
    court_date = services.court_date_add(
        case=partners.case, date=date.today(), hearing_type="trial", by=partners.officer
    )
    sign_in(client, partners.outsider)

    assert client.get(f"/cases/{partners.case.public_id}/victim-support/").status_code == 404
    assert client.post(f"/court-dates/{court_date.public_id}/remove/").status_code == 404
    court_date.refresh_from_db()
    assert not court_date.is_archived


def test_an_analyst_sees_the_support_but_may_not_change_it(client, partners):
    services.victim_support_update(
        case=partners.case, changes={"support_worker_name": "Sam Patel"}, by=partners.officer
    )
    sign_in(client, partners.analyst)

    page = client.get(f"/cases/{partners.case.public_id}/").content.decode()

    assert "Sam Patel" in page
    assert "victim-support/" not in page
    assert client.get(f"/cases/{partners.case.public_id}/victim-support/").status_code == 404


def test_a_tampered_version_is_refused_with_a_message(client, partners):
    sign_in(client, partners.officer)

    response = client.post(
        f"/cases/{partners.case.public_id}/victim-support/", support_post(version="x")
    )

    assert "This form was changed after it was shown" in response.content.decode()
    assert not VictimSupport.objects.exists()
