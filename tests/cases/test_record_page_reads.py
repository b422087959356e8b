"""What the record pages read: each thing once, whichever panel asks, and pages of lists read
as the plain paginator would show them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from agencies import access
from agencies.models import Role
from agencies.roles import Capability
from cases import selectors
from cases.models import Case
from cases.services import case_share
from core.pagination import KeysFirstPaginator
from tests.conftest import sign_in
from tests.factories import AgencyFactory, CaseFactory, PartnershipFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_case():
    partnership = PartnershipFactory()
    holder, health, police = (AgencyFactory(partnerships=[partnership]) for _ in range(3))
    case = CaseFactory(owner_agency=holder)
    lead = member(Role.CSE_LEAD, holder)
    for agency in (health, police):
        case_share(case=case, agency=agency, reason="Strategy meeting",
                   lawful_basis="safeguarding", by=lead)  # fmt: skip
    return {"case": case, "holder": holder, "health": health, "lead": lead}


def grant_reads(queries) -> list[str]:
    """The queries that read the case's grants on their own (not within another query)."""
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith('SELECT "agencies_agency"."id" AS "group__agency__id" FROM')
    ]


def test_the_case_page_reads_whom_the_case_is_shared_with_once(client, shared_case):
    """Every panel asks can() about the case; the shares are read with the case itself."""
    sign_in(client, shared_case["lead"])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/cases/{shared_case['case'].public_id}/").content.decode()
    assert shared_case["health"].name in page
    assert grant_reads(queries.captured_queries) == []


def test_the_person_page_reads_whom_the_record_is_shared_with_once(client, shared_case):
    child = shared_case["case"].child
    access.record_share(record=child, agency=shared_case["health"], reason="Strategy meeting",
                        lawful_basis="safeguarding", by=shared_case["lead"])  # fmt: skip
    sign_in(client, shared_case["lead"])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/people/{child.public_id}/").content.decode()
    assert shared_case["health"].name in page
    assert grant_reads(queries.captured_queries) == []


def test_shared_agencies_are_read_again_after_a_share_or_its_withdrawal(shared_case):
    case = Case.objects.get(pk=shared_case["case"].pk)
    before = access.shared_agency_ids(case)
    assert shared_case["health"].pk in before
    access.record_unshare(record=case, agency=shared_case["health"], reason="Done",
                          by=shared_case["lead"])  # fmt: skip
    assert access.shared_agency_ids(case) == before - {shared_case["health"].pk}
    access.record_share(record=case, agency=shared_case["health"], reason="Again",
                        lawful_basis="safeguarding", by=shared_case["lead"])  # fmt: skip
    assert access.shared_agency_ids(case) == before
    annotated = access.with_shared_agency_ids(Case.objects.filter(pk=case.pk)).get()
    assert access.shared_agency_ids(annotated) == before


def test_a_user_of_a_receiving_agency_acts_through_it_and_a_holder_through_the_holder(
    shared_case,
):
    case = shared_case["case"]
    nurse = member(Role.FRONTLINE, shared_case["health"])
    assert [m.agency_id for m in access.acting_agencies(nurse, case)] == [shared_case["health"].pk]
    assert access.can(nurse, Capability.VIEW_RECORDS, case)
    assert not access.can(nurse, Capability.SHARE_RECORDS, case)
    assert access.can(shared_case["lead"], Capability.SHARE_RECORDS, case)
    stranger = member(Role.FRONTLINE, AgencyFactory())
    assert access.acting_agencies(stranger, case) == []


def test_the_header_names_every_active_membership_read_with_the_access_rule(shared_case):
    """One query gives the access rule its memberships and the page header its names."""
    lead = shared_case["lead"]
    with CaptureQueriesContext(connection) as queries:
        roles = access.user_agency_roles(lead)
        shown = access.user_memberships(lead)
    assert len(queries) == 1
    assert [m.agency_id for m in shown] == [r.agency_id for r in roles]
    assert roles[0].agency_type == shared_case["holder"].type


def test_a_page_of_keys_first_is_the_page_the_plain_paginator_gives(worker):
    agency = worker.memberships.get().agency
    cases = CaseFactory.create_batch(12, owner_agency=agency)
    # Ties in the sort column, broken by the key, as the case list sorts.
    Case.objects.filter(pk__in=[c.pk for c in cases[:6]]).update(
        modified_at=datetime(2025, 1, 1, tzinfo=UTC)
    )
    listed = selectors.case_list_with_withheld(user=worker).order_by("-modified_at", "-pk")
    for number in (1, 2, 3):
        plain = Paginator(listed, 5).get_page(number)
        keyed = KeysFirstPaginator(listed, 5).get_page(number)
        assert [c.pk for c in keyed] == [c.pk for c in plain]
        assert [c.child.last_name for c in keyed] == [c.child.last_name for c in plain]
        assert keyed.paginator.count == plain.paginator.count == 12
    assert list(KeysFirstPaginator(listed.none(), 5).get_page(1)) == []


def test_the_timeline_shows_each_time_as_the_date_filter_would():
    template = Template("""{{ e.at|date:'c' }}|{{ e.at|date:"j F Y H:i" }}|"""
                        """{{ e.at|date:"j M Y H:i" }}""")  # fmt: skip
    rng = random.Random(7)
    start = datetime(2015, 1, 1, tzinfo=UTC)
    for _ in range(500):
        at = start + timedelta(seconds=rng.randrange(10**9), microseconds=rng.randrange(10**6))
        event = selectors.ChronologyEvent(at=at, kind="note", title="", summary="")
        expected = template.render(Context({"e": event}))
        assert f"{event.at_iso}|{event.at_long}|{event.at_short}" == expected
