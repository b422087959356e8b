"""Every share records its lawful basis (consent and who gave it, or a gateway and the reason),
and the receiving agency is shown it; a referral carries its basis to the share made when it
is accepted."""

import re

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.utils import timezone
from django.utils.html import escape

from agencies import access
from agencies.models import Role
from referrals.models import Referral
from tests.conftest import sign_in
from tests.factories import AgencyFactory, CaseFactory, PartnershipFactory, PersonFactory, member

pytestmark = pytest.mark.django_db

MOTHER = "The child's mother"


@pytest.fixture
def world():
    partnership = PartnershipFactory()
    police, social_care, school = (AgencyFactory(partnerships=[partnership]) for _ in range(3))
    return {
        "case": CaseFactory(owner_agency=police),
        "police": police,
        "social_care": social_care,
        "school": school,
        "police_lead": member(Role.CSE_LEAD, police),
        "officer": member(Role.FRONTLINE, police),
        "social_care_lead": member(Role.CSE_LEAD, social_care),
        "social_worker": member(Role.FRONTLINE, social_care),
    }


def share_url(world) -> str:
    return f"/cases/{world['case'].public_id}/share/"


def case_url(world) -> str:
    return f"/cases/{world['case'].public_id}/"


def today() -> str:
    return f"{timezone.localdate():%-d %B %Y}"


def checked(page: str, value: str) -> bool:
    return bool(re.search(rf'<input type="radio"[^>]*value="{value}"[^>]*checked', page))


def test_sharing_with_consent_records_who_consented_and_the_receiver_is_shown_it(client, world):
    case, social_care = world["case"], world["social_care"]
    sign_in(client, world["police_lead"])
    response = client.post(
        share_url(world),
        {
            "agency": str(social_care.public_id),
            "lawful_basis": "consent",
            "consent_by": MOTHER,
            "reason": "Strategy discussion",
        },
    )
    assert response.status_code == 302

    for record in (case, case.child):
        grant = record.grants.get(group=social_care.group, permission__codename__startswith="view")
        assert (grant.lawful_basis, grant.consent_by, grant.reason) == (
            "consent", MOTHER, "Strategy discussion")  # fmt: skip
    worker = sign_in(Client(), world["social_worker"])
    page = worker.get(case_url(world)).content.decode()
    assert (
        f"Shared with {escape(social_care.name)} on {today()} by {escape(world['police'].name)}: "
        f"<strong>Consent given by {escape(MOTHER)}</strong>"
    ) in page
    assert "Reason for sharing: Strategy discussion" in page
    child_page = worker.get(f"/people/{case.child.public_id}/").content.decode()
    assert "Consent given by" in child_page


def test_a_share_without_consent_shows_the_gateway_and_its_reason(client, world):
    sign_in(client, world["police_lead"])
    client.post(
        share_url(world),
        {
            "agency": str(world["social_care"].public_id),
            "lawful_basis": "safeguarding",
            "consent_by": "Someone typed here before changing their mind",
            "reason": "Asking the family would put the child at risk",
        },
    )
    grant = world["case"].grants.get(permission__codename="view_case")
    assert (grant.lawful_basis, grant.consent_by) == ("safeguarding", "")

    page = sign_in(Client(), world["social_worker"]).get(case_url(world)).content.decode()
    assert "<strong>Without consent: to safeguard a child</strong>" in page
    assert "Reason for sharing: Asking the family would put the child at risk" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"lawful_basis": ""}, "Choose the lawful basis for sharing"),
        # Offered to no one: it marks only the shares made before the basis was asked for.
        ({"lawful_basis": "not_recorded"}, "Choose the lawful basis for sharing"),
        ({"lawful_basis": "consent", "consent_by": "  "}, "Enter who gave consent"),
        ({"lawful_basis": "safeguarding", "reason": ""}, "Enter the reason for sharing"),
    ],
)
def test_a_share_without_its_basis_is_refused_with_the_reason_and_keeps_what_was_typed(
    client, world, data, message
):
    sign_in(client, world["police_lead"])
    typed = {
        "agency": str(world["social_care"].public_id),
        "consent_by": "",
        "reason": "Strategy discussion on Tuesday",
        **data,
    }
    response = client.post(share_url(world), typed)

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'class="govuk-error-summary"' in page
    assert not world["case"].grants.exists()
    assert not world["case"].child.grants.exists()
    assert f'value="{world["social_care"].public_id}" selected' in page
    if typed["reason"]:
        assert "Strategy discussion on Tuesday</textarea>" in page
    if typed["lawful_basis"] in ("consent", "safeguarding"):
        assert checked(page, typed["lawful_basis"])


def test_the_share_form_offers_only_the_three_bases(client, world):
    sign_in(client, world["police_lead"])
    page = client.get(share_url(world)).content.decode()
    for label in ("Consent given", "Without consent: to safeguard a child",
                  "Without consent: for law enforcement", "Who gave consent"):  # fmt: skip
        assert label in page
    assert 'value="not_recorded"' not in page


def test_the_owning_agency_sees_the_basis_in_its_shared_with_list_not_the_received_panel(
    client, world
):
    sign_in(client, world["police_lead"])
    client.post(
        share_url(world),
        {
            "agency": str(world["social_care"].public_id),
            "lawful_basis": "law_enforcement",
            "reason": "Joint investigation",
        },
    )
    for user in (world["police_lead"], world["officer"]):
        page = sign_in(Client(), user).get(case_url(world)).content.decode()
        assert 'data-testid="share-basis"' not in page
        assert (
            f'data-testid="shared-with-basis">Shared {today()}: '
            "Without consent: for law enforcement</p>"
        ) in page


def test_a_receiving_agency_is_shown_only_its_own_share(client, world):
    """Another receiving agency learns neither the basis nor the reason of this share."""
    case, school = world["case"], world["school"]
    sign_in(client, world["police_lead"])
    for agency, basis, reason in ((world["social_care"], "safeguarding", "Section 47 enquiry"),
                                  (school, "consent", "Support in school")):  # fmt: skip
        client.post(
            share_url(world),
            {"agency": str(agency.public_id), "lawful_basis": basis,
             "consent_by": "The child", "reason": reason},
        )  # fmt: skip
    assert access.shared_agency_ids(case) == {world["social_care"].id, school.id}

    page = sign_in(Client(), member(Role.FRONTLINE, school)).get(case_url(world)).content.decode()
    assert page.count('data-testid="share-basis"') == 1
    assert "Consent given by The child" in page
    assert "Section 47 enquiry" not in page
    assert "to safeguard a child" not in page
    assert 'data-testid="shared-with-basis"' not in page


def test_a_share_made_before_the_basis_was_asked_for_says_so(world):
    case = world["case"]
    access.record_share(
        record=case, agency=world["social_care"], reason="Strategy meeting",
        lawful_basis="not_recorded", by=world["police_lead"],
    )  # fmt: skip
    page = sign_in(Client(), world["social_worker"]).get(case_url(world)).content.decode()
    assert "<strong>Lawful basis not recorded</strong>" in page
    assert "Reason for sharing: Strategy meeting" in page


def test_the_received_panel_reads_the_shares_in_one_query(world, django_assert_num_queries):
    case = world["case"]
    access.record_share(
        record=case, agency=world["social_care"], reason="Strategy meeting",
        lawful_basis="consent", consent_by="The child", by=world["police_lead"],
    )  # fmt: skip
    request = RequestFactory().get("/")
    request.user = world["social_worker"]
    access.record_agencies(request.user)  # the memberships are read once per request already
    template = Template("{% load sharing %}{% share_basis case %}")
    with django_assert_num_queries(1):
        html = template.render(Context({"request": request, "case": case}))
    assert "Consent given by The child" in html


def test_sharing_a_persons_record_records_its_basis_for_the_receiver(client, world):
    suspect = PersonFactory(owner_agency=world["police"], kind="suspect")
    sign_in(client, world["police_lead"])
    bad = client.post(
        f"/people/{suspect.public_id}/share/",
        {"agency": str(world["social_care"].public_id), "reason": "Asked for after referral"},
    )
    assert "Choose the lawful basis for sharing" in bad.content.decode()
    assert not suspect.grants.exists()

    client.post(
        f"/people/{suspect.public_id}/share/",
        {
            "agency": str(world["social_care"].public_id),
            "lawful_basis": "law_enforcement",
            "reason": "Asked for after referral",
        },
    )
    grant = suspect.grants.get(permission__codename="view_person")
    assert grant.lawful_basis == "law_enforcement"
    page = sign_in(Client(), world["social_care_lead"]).get(f"/people/{suspect.public_id}/")
    assert "<strong>Without consent: for law enforcement</strong>" in page.content.decode()


REFERRAL = {
    "urgency": "urgent",
    "reason": "Seen getting into cars with older men after school.",
    "asked_for": "A strategy discussion.",
    "already_done": "",
    "child_family_aware": "no",
    "consent_by": "",
    "send": "1",
}


def referral_url(world) -> str:
    return f"/cases/{world['case'].public_id}/referrals/new/"


@pytest.mark.parametrize(
    ("basis", "message"),
    [
        ({}, "Choose the lawful basis for sharing"),
        ({"lawful_basis": "safeguarding", "basis_reason": ""},
         "Enter why the case is shared without consent"),
        ({"lawful_basis": "consent", "consent_by": ""}, "Enter who gave consent"),
    ],
)  # fmt: skip
def test_a_referral_without_its_basis_is_refused_and_keeps_what_was_typed(
    client, world, basis, message
):
    sign_in(client, world["officer"])
    data = {**REFERRAL, "to_agency": str(world["social_care"].public_id), **basis}
    response = client.post(referral_url(world), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert not Referral.objects.exists()
    assert escape(REFERRAL["reason"]) in page


def test_a_referrals_basis_is_shown_to_the_receiver_and_carried_to_the_share_on_accepting(
    client, world
):
    social_care = world["social_care"]
    sign_in(client, world["officer"])
    response = client.post(
        referral_url(world),
        {
            **REFERRAL,
            "to_agency": str(social_care.public_id),
            "lawful_basis": "safeguarding",
            "consent_by": "Not asked",
            "basis_reason": "Asking would alert the men she meets",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.lawful_basis, referral.consent_by, referral.basis_reason) == (
        "safeguarding", "", "Asking would alert the men she meets")  # fmt: skip
    shown = "Without consent: to safeguard a child – Asking would alert the men she meets"
    assert shown in client.get(f"/referrals/{referral.public_id}/").content.decode()

    lead = sign_in(Client(), world["social_care_lead"])
    assert shown in lead.get(f"/referrals/{referral.public_id}/").content.decode()
    lead.post(f"/referrals/{referral.public_id}/acknowledge/")
    before = lead.get(f"/referrals/{referral.public_id}/").content.decode()
    assert shown in before
    assert ">Accept</button>" in before
    lead.post(f"/referrals/{referral.public_id}/accept/")

    grant = world["case"].grants.get(group=social_care.group, permission__codename="view_case")
    assert grant.lawful_basis == "safeguarding"
    assert grant.reason.endswith(": Asking would alert the men she meets")
    assert world["case"].child.grants.get(permission__codename="view_person").lawful_basis == (
        "safeguarding")  # fmt: skip
    page = sign_in(Client(), world["social_worker"]).get(case_url(world)).content.decode()
    assert "<strong>Without consent: to safeguard a child</strong>" in page
    assert "Asking would alert the men she meets" in page


def test_a_referral_with_consent_carries_who_consented(client, world):
    sign_in(client, world["officer"])
    client.post(
        referral_url(world),
        {
            **REFERRAL,
            "to_agency": str(world["social_care"].public_id),
            "lawful_basis": "consent",
            "consent_by": "The child and her father",
            "basis_reason": "Typed before choosing consent",
        },
    )
    referral = Referral.objects.get()
    assert (referral.consent_by, referral.basis_reason) == ("The child and her father", "")
    lead = sign_in(Client(), world["social_care_lead"])
    assert "Consent given by The child and her father" in (
        lead.get(f"/referrals/{referral.public_id}/").content.decode())  # fmt: skip
    lead.post(f"/referrals/{referral.public_id}/acknowledge/")
    lead.post(f"/referrals/{referral.public_id}/accept/")
    grant = world["case"].grants.get(permission__codename="view_case")
    assert (grant.lawful_basis, grant.consent_by) == ("consent", "The child and her father")
