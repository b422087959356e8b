"""Handling codes on police intelligence: a concern or note marked police only, or
originating agency only, stays with those agencies whoever else the case is shared with."""

from __future__ import annotations

import pytest

from agencies.models import Agency, Role
from cases.models import CaseNote, Concern
from cases.services import case_share
from tests.conftest import sign_in
from tests.factories import AgencyFactory, CaseFactory, PartnershipFactory, member

pytestmark = pytest.mark.django_db

INTELLIGENCE = "Informant says Quillon Marrick drives her to the flat"


@pytest.fixture
def world():
    """A police case shared with social care and with a second police force."""
    partnership = PartnershipFactory()
    police = AgencyFactory(name="Riverside Police", type=Agency.Type.POLICE,
                           partnerships=[partnership])  # fmt: skip
    other_force = AgencyFactory(name="Northshire Police", type=Agency.Type.POLICE,
                                partnerships=[partnership])  # fmt: skip
    social_care = AgencyFactory(name="Riverside Social Care", partnerships=[partnership])
    lead = member(Role.CSE_LEAD, police)
    case = CaseFactory(owner_agency=police)
    for agency in (social_care, other_force):
        case_share(case=case, agency=agency, reason="Joint working",
                   lawful_basis="law_enforcement", by=lead)  # fmt: skip
    return {
        "police": police,
        "other_force": other_force,
        "social_care": social_care,
        "officer": member(Role.FRONTLINE, police),
        "force_officer": member(Role.FRONTLINE, other_force),
        "social_worker": member(Role.FRONTLINE, social_care),
        "case": case,
    }


def add_note(client, world, code: str):
    sign_in(client, world["officer"])
    response = client.post(
        f"/cases/{world['case'].public_id}/notes/new/",
        {"text": INTELLIGENCE, "handling_code": code},
    )
    assert response.status_code == 302
    return CaseNote.objects.get()


@pytest.mark.parametrize(
    ("code", "sees"),
    [
        ("", {"officer", "force_officer", "social_worker"}),
        ("police_only", {"officer", "force_officer"}),
        ("originator_only", {"officer"}),
    ],
)
def test_a_note_with_a_handling_code_reaches_only_the_agencies_it_allows(client, world, code, sees):
    note = add_note(client, world, code)
    assert (note.handling_code, note.agency) == (code, world["police"])
    for key in ("officer", "force_officer", "social_worker"):
        sign_in(client, world[key])
        chronology = client.get(f"/cases/{world['case'].public_id}/chronology/")
        assert chronology.status_code == 200
        assert (INTELLIGENCE in chronology.content.decode()) == (key in sees), key


def concern_form(code: str) -> dict:
    return {
        "concern-occurred_on": "2026-11-20",
        "concern-narrative": INTELLIGENCE,
        "concern-location_type": "",
        "concern-handling_code": code,
        "suspect-TOTAL_FORMS": "0",
        "suspect-INITIAL_FORMS": "0",
    }


def test_a_police_only_concern_is_not_found_by_the_agency_the_case_is_shared_with(client, world):
    sign_in(client, world["officer"])
    response = client.post(
        f"/cases/{world['case'].public_id}/concerns/new/", concern_form("police_only")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    concern = Concern.objects.get()
    assert concern.handling_code == "police_only"
    detail = client.get(f"/concerns/{concern.public_id}/").content.decode()
    assert "Police only" in detail
    sign_in(client, world["social_worker"])
    assert client.get(f"/concerns/{concern.public_id}/").status_code == 404
    case_page = client.get(f"/cases/{world['case'].public_id}/").content.decode()
    assert f"/concerns/{concern.public_id}/" not in case_page
    sign_in(client, world["force_officer"])
    assert client.get(f"/concerns/{concern.public_id}/").status_code == 200


def test_only_police_agencies_are_offered_a_handling_code(client, world):
    sign_in(client, world["officer"])
    assert (
        "Handling code"
        in client.get(f"/cases/{world['case'].public_id}/notes/new/").content.decode()
    )
    sign_in(client, world["social_worker"])
    url = f"/cases/{world['case'].public_id}/notes/new/"
    assert "Handling code" not in client.get(url).content.decode()
    client.post(url, {"text": "Visited at home", "handling_code": "originator_only"})
    note = CaseNote.objects.get()
    assert (note.handling_code, note.agency) == ("", world["social_care"])
    assert (
        "Handling code"
        not in client.get(f"/cases/{world['case'].public_id}/concerns/new/").content.decode()
    )


def test_editing_a_missing_episode_keeps_its_link_to_a_concern_the_editor_cannot_see(client, world):
    from django.utils import timezone

    from cases.models import MissingEpisode
    from tests.factories import ConcernFactory

    hidden = ConcernFactory(case=world["case"], handling_code="police_only")
    episode = MissingEpisode.objects.create(case=world["case"], started_at=timezone.now())
    episode.concerns.add(hidden)
    sign_in(client, world["social_worker"])
    response = client.post(
        f"/missing-episodes/{episode.public_id}/edit/",
        {
            "type": episode.type,
            "started_at": timezone.localtime(episode.started_at).strftime("%Y-%m-%dT%H:%M"),
            "return_interview": episode.return_interview,
        },
    )
    assert response.status_code == 302
    assert list(episode.concerns.all()) == [hidden]


def test_a_case_history_leaves_out_notes_the_reader_may_not_see(client, world):
    add_note(client, world, "police_only")
    sign_in(client, world["social_worker"])
    history = client.get(f"/cases/{world['case'].public_id}/history/").content.decode()
    assert INTELLIGENCE not in history
    sign_in(client, world["force_officer"])
    history = client.get(f"/cases/{world['case'].public_id}/history/").content.decode()
    assert INTELLIGENCE in history
