"""Views of a case by people with no link to it: flagged in the access log, listed in the
lead professional's "who has looked" panel, and pointed out on their task list."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from agencies.models import AccessLogEntry, Role
from cases.services import case_share
from tests.conftest import sign_in
from tests.factories import AgencyFactory, CaseFactory, ConcernFactory, PartnershipFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    partnership = PartnershipFactory()
    holder = AgencyFactory(name="Riverside Social Care", partnerships=[partnership])
    partner = AgencyFactory(name="Riverside Health", partnerships=[partnership])
    lead_professional = member(Role.FRONTLINE, holder)
    case = CaseFactory(owner_agency=holder, lead_professional=lead_professional)
    case_share(case=case, agency=partner, reason="Referral accepted",
               lawful_basis="safeguarding", by=member(Role.CSE_LEAD, holder))  # fmt: skip
    return {
        "holder": holder,
        "partner": partner,
        "lead_professional": lead_professional,
        "case": case,
        "stranger": member(Role.FRONTLINE, holder),
        "nurse": member(Role.FRONTLINE, partner),
    }


def case_url(world) -> str:
    return f"/cases/{world['case'].public_id}/"


def test_a_view_by_someone_with_no_link_is_flagged_and_shown_to_the_lead_professional(
    client, world
):
    sign_in(client, world["stranger"])
    page = client.get(case_url(world)).content.decode()
    assert "Who has looked" not in page  # only the lead professional and the CSE lead see it
    sign_in(client, world["nurse"])
    client.get(case_url(world))

    unlinked = AccessLogEntry.objects.filter(action="view", record_id=world["case"].public_id)
    assert {e.user_id for e in unlinked if e.detail.get("unlinked")} == {
        world["stranger"].pk, world["nurse"].pk,
    }  # fmt: skip
    sign_in(client, world["lead_professional"])
    panel = client.get(case_url(world)).content.decode().split('data-testid="who-has-looked"')[1]
    assert escape(world["stranger"].full_name) in panel
    assert escape(world["nurse"].full_name) in panel
    assert "Riverside Health" in panel
    assert panel.count("No link to the case") == 2
    tasks = client.get("/tasks/").content.decode()
    assert 'data-testid="unlinked-views"' in tasks
    assert "2 views" in tasks


def test_someone_who_recorded_in_the_case_is_linked_to_it(client, world):
    ConcernFactory(case=world["case"], created_by=world["nurse"])
    sign_in(client, world["nurse"])
    client.get(case_url(world))
    entry = AccessLogEntry.objects.get(action="view", user=world["nurse"])
    assert "unlinked" not in entry.detail
    sign_in(client, world["lead_professional"])
    assert 'data-testid="unlinked-views"' not in client.get("/tasks/").content.decode()


def test_someone_at_a_meeting_about_the_case_is_linked_to_it(client, world):
    from datetime import date

    from meetings.services import agenda_item_add, meeting_create

    chair = member(Role.CSE_LEAD, world["partner"])
    meeting = meeting_create(
        partnership=world["holder"].partnerships.get(), title="MASE", held_on=date.today(),
        starts_at=None, venue="", chair=chair, chair_agency=world["partner"],
        agencies=[world["holder"]], by=chair,
    )  # fmt: skip
    agenda_item_add(meeting=meeting, kind="case", subject=world["case"], by=chair)
    sign_in(client, chair)
    client.get(case_url(world))
    assert "unlinked" not in AccessLogEntry.objects.get(action="view", user=chair).detail


def test_the_panel_lists_the_latest_viewers_up_to_its_limit(
    client, world, settings, django_assert_max_num_queries
):
    settings.WHO_HAS_LOOKED_LIMIT = 3
    for _ in range(5):
        sign_in(client, member(Role.FRONTLINE, world["holder"]))
        client.get(case_url(world))
    sign_in(client, world["lead_professional"])
    with django_assert_max_num_queries(28):
        page = client.get(case_url(world)).content.decode()
    panel = page.split('data-testid="who-has-looked"')[1].split("</table>")[0]
    assert panel.count('<tr class="govuk-table__row">') == 1 + 3
