"""History pages of people, concerns, networks and cases, printing, and withdrawing a person's
share: each change shows with who, when and why, and only what the reader may see."""

import pytest
from django.utils.html import escape

from agencies.access import shared_agency_ids
from agencies.models import AccessLogEntry, Role
from cases import services
from cases.models import ConcernPerson, Network, NetworkMember
from tests.conftest import sign_in
from tests.factories import CaseFactory, ConcernFactory, PersonFactory, member

pytestmark = pytest.mark.django_db


def cells(page: str, *values: str) -> bool:
    return all(f'<td class="govuk-table__cell">{escape(v)}' in page for v in values)


def test_a_persons_history_shows_aliases_and_shares_with_who_and_why(client, partnership_agencies):
    own, partner, _ = partnership_agencies
    lead = member(Role.CSE_LEAD, own)
    suspect = PersonFactory(owner_agency=own, kind="suspect")
    sign_in(client, lead)
    client.post(f"/people/{suspect.public_id}/details/", {"kind": "alias", "value": "Tiny"})
    client.post(
        f"/people/{suspect.public_id}/share/",
        {
            "agency": str(partner.public_id),
            "lawful_basis": "law_enforcement",
            "reason": "Asked for after referral",
        },
    )
    client.post(
        f"/people/{suspect.public_id}/shares/{partner.public_id}/withdraw/",
        {"reason": "Investigation closed"},
    )

    page = client.get(f"/people/{suspect.public_id}/history/").content.decode()

    assert cells(page, "Alias", "Tiny")
    assert cells(page, "Shared with", partner.name, "Asked for after referral")
    assert cells(page, "Investigation closed")
    assert page.count(escape(lead.full_name)) >= 3
    assert AccessLogEntry.objects.filter(
        action="view", record_id=suspect.public_id, user=lead
    ).exists()


def test_a_concerns_history_names_a_suspect_only_to_readers_who_may_see_them(
    client, partnership_agencies
):
    own, police, _ = partnership_agencies
    concern = ConcernFactory(case=CaseFactory(owner_agency=own))
    shared_suspect = PersonFactory(owner_agency=own, kind="suspect")
    hidden_suspect = PersonFactory(owner_agency=police, kind="suspect", last_name="Hiddensworth")
    for person in (shared_suspect, hidden_suspect):
        ConcernPerson.objects.create(concern=concern, person=person, role="suspect")
    sign_in(client, member(Role.FRONTLINE, own))

    page = client.get(f"/concerns/{concern.public_id}/history/").content.decode()

    assert escape(str(shared_suspect)) in page
    assert escape(hidden_suspect.last_name) not in page
    assert "A person whose record is not shared with you (suspected offender)" in page


def test_a_networks_history_shows_each_role_change(client, partnership_agencies):
    own = partnership_agencies[0]
    analyst = member(Role.ANALYST, own)
    network = Network.objects.create(owner_agency=own, name="Mill Street")
    suspect = PersonFactory(owner_agency=own, kind="suspect")
    services.network_members_add(network=network, members=[suspect], by=analyst)
    sign_in(client, analyst)
    membership = NetworkMember.objects.get()
    client.post(
        f"/networks/{network.public_id}/members/{membership.public_id}/role/", {"role": "core"}
    )

    page = client.get(f"/networks/{network.public_id}/history/").content.decode()

    assert escape(f"{suspect}: not known") in page
    assert escape(f"{suspect}: core member") in page


def test_a_cases_history_includes_its_missing_episodes(client, partnership_agencies):
    worker = member(Role.FRONTLINE, partnership_agencies[0])
    case = CaseFactory(owner_agency=partnership_agencies[0])
    sign_in(client, worker)
    client.post(
        f"/cases/{case.public_id}/missing/new/",
        {"type": "missing", "started_at": "2025-03-01T21:00", "return_interview": "offered"},
    )

    page = client.get(f"/cases/{case.public_id}/history/").content.decode()

    assert "Missing episode" in page
    assert "Missing from 01 March 2025 21:00, not returned" in page


def test_the_print_version_of_a_chronology_is_logged_as_printing(client, partnership_agencies):
    worker = member(Role.FRONTLINE, partnership_agencies[0])
    case = CaseFactory(owner_agency=partnership_agencies[0], lead_professional=worker)
    ConcernFactory(case=case)
    sign_in(client, worker)

    page = client.get(f"/cases/{case.public_id}/chronology/print/?kind=concern").content.decode()

    assert "OFFICIAL-SENSITIVE" in page
    assert "Concern (" in page
    entry = AccessLogEntry.objects.get(action="print")
    assert (entry.user, entry.record_id) == (worker, case.public_id)
    assert entry.detail == {"kinds": ["concern"], "events": 1}
    chronology = client.get(f"/cases/{case.public_id}/chronology/?kind=concern").content.decode()
    assert f"/cases/{case.public_id}/chronology/print/?kind=concern" in chronology


def test_withdrawing_a_persons_share_removes_the_other_agencys_access(client, partnership_agencies):
    own, partner, _ = partnership_agencies
    suspect = PersonFactory(owner_agency=own, kind="suspect")
    lead = member(Role.CSE_LEAD, own)
    services.person_share(
        person=suspect, agency=partner, reason="Joint work", lawful_basis="safeguarding", by=lead
    )
    reader = member(Role.FRONTLINE, partner)
    sign_in(client, reader)
    assert client.get(f"/people/{suspect.public_id}/").status_code == 200

    sign_in(client, lead)
    url = f"/people/{suspect.public_id}/shares/{partner.public_id}/withdraw/"
    empty = client.post(url, {"reason": ""})
    assert "Enter the reason for withdrawing the share" in empty.content.decode()
    assert shared_agency_ids(suspect) == {partner.id}
    assert client.post(url, {"reason": "Work finished"}).status_code == 302

    assert shared_agency_ids(suspect) == set()
    sign_in(client, reader)
    assert client.get(f"/people/{suspect.public_id}/").status_code == 404
    entry = AccessLogEntry.objects.get(action="unshare")
    assert (entry.reason, entry.detail) == ("Work finished", {"withdrawn_from": partner.code})


def test_a_childs_share_is_kept_while_a_case_about_them_is_shared(client, partnership_agencies):
    own, partner, _ = partnership_agencies
    lead = member(Role.CSE_LEAD, own)
    case = CaseFactory(owner_agency=own)
    services.case_share(
        case=case, agency=partner, reason="Referral accepted", lawful_basis="safeguarding", by=lead
    )
    sign_in(client, lead)

    response = client.post(
        f"/people/{case.child.public_id}/shares/{partner.public_id}/withdraw/",
        {"reason": "Tidy up"},
    )

    assert response.status_code == 200
    assert "withdraw the case share instead" in response.content.decode()
    assert shared_agency_ids(case.child) == {partner.id}
    assert not AccessLogEntry.objects.filter(action="unshare").exists()
