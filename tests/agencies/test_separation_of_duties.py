"""Separation of duties in administration (docs/access.md, "Who may give access"): nobody
grants themselves anything; an administrator manages their own agency's users; a membership
that opens another agency's records waits for that agency's administrator or CSE lead; every
change is in the access log and on the task list of the agency's CSE leads."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from agencies.models import AccessLogEntry, Membership, MembershipRequest, Role, User
from core.models import Task
from tests.conftest import sign_in
from tests.factories import (
    TEST_PASSWORD,
    AgencyFactory,
    CaseFactory,
    MembershipFactory,
    PartnershipFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def partnership_world():
    """A voluntary project, the police and children's social care of one partnership; the
    police and social care each hold a child's case and have a CSE lead."""
    partnership = PartnershipFactory()
    voluntary, police, social_care = (
        AgencyFactory(partnerships=[partnership], type=kind)
        for kind in ("voluntary_project", "police", "childrens_social_care")
    )
    world = {
        "voluntary": voluntary,
        "police": police,
        "social_care": social_care,
        "admin": MembershipFactory(role=Role.ADMINISTRATOR, agency=voluntary).user,
        "police_lead": MembershipFactory(role=Role.CSE_LEAD, agency=police).user,
        "social_care_lead": MembershipFactory(role=Role.CSE_LEAD, agency=social_care).user,
        "police_case": CaseFactory(owner_agency=police),
        "social_care_case": CaseFactory(owner_agency=social_care),
    }
    return world


def test_an_administrator_cannot_give_themselves_another_agencys_records(client, partnership_world):
    """The escalation found in review: the voluntary project's administrator adds themselves
    as CSE lead of the police. Refused, whoever asks; the police's cases stay 404."""
    w = partnership_world
    admin, police = w["admin"], w["police"]
    sign_in(client, admin)
    own_page = client.get(f"/administration/users/{admin.public_id}/").content.decode()
    assert "You cannot change your own memberships" in own_page
    assert 'name="role"' not in own_page  # no form to try

    response = client.post(
        f"/administration/users/{admin.public_id}/",
        {"agency": police.pk, "role": Role.CSE_LEAD},
    )
    assert "You cannot change your own memberships, roles or account" in response.content.decode()
    assert not Membership.objects.filter(user=admin, agency=police).exists()
    assert not MembershipRequest.objects.filter(user=admin).exists()
    # Nor in their own agency.
    client.post(
        f"/administration/users/{admin.public_id}/",
        {"agency": w["voluntary"].pk, "role": Role.FRONTLINE},
    )
    assert Membership.objects.get(user=admin).role == Role.ADMINISTRATOR
    assert client.get(f"/cases/{w['police_case'].public_id}/").status_code == 404
    assert client.get("/cases/").status_code == 404


def test_an_invitation_into_another_agency_opens_nothing_until_that_agency_approves(
    client, partnership_world, django_capture_on_commit_callbacks
):
    """The second escalation: inviting a new person as a front-line worker of social care.
    The account exists but opens nothing; social care's CSE lead is asked, and approves."""
    w = partnership_world
    sign_in(client, w["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/administration/users/new/",
            {
                "full_name": "Avery Kestrel",
                "email": "avery@voluntary.example",
                "agency": w["social_care"].pk,
                "role": Role.FRONTLINE,
            },
        )
    assert response["Location"] == "/administration/membership-requests/"
    invited = User.objects.get(email="avery@voluntary.example")
    assert not invited.memberships.exists()
    asked = MembershipRequest.objects.get(user=invited)
    assert (asked.agency, asked.role, asked.status) == (w["social_care"], "frontline", "pending")
    assert "waiting for approval" in client.get(response["Location"]).content.decode().lower()

    # The invited person signs in (as the invitation lets them) and sees no record.
    invited.set_password(TEST_PASSWORD)
    invited.save()
    theirs = sign_in(Client(), invited)
    assert theirs.get(f"/cases/{w['social_care_case'].public_id}/").status_code == 404
    assert theirs.get("/cases/").status_code == 404

    # Social care's CSE lead is told, and decides.
    lead = w["social_care_lead"]
    task = Task.objects.get(
        agency=w["social_care"], role=Role.CSE_LEAD, kind=Task.Kind.MEMBERSHIP_REQUEST
    )
    assert "Avery" not in task.title
    lead_client = sign_in(Client(), lead)
    task_page = lead_client.get(f"/tasks/{task.public_id}/").content.decode()
    assert "Avery Kestrel" in task_page
    assert w["admin"].full_name in task_page
    assert f"/administration/membership-requests/{asked.public_id}/" in task_page
    # The one who asked cannot decide.
    assert (
        client.post(
            f"/administration/membership-requests/{asked.public_id}/",
            {"decision": "approve", "reason": "Mine"},
        ).status_code
        == 404
    )
    missing = lead_client.post(f"/administration/membership-requests/{asked.public_id}/", {})
    assert "Enter the reason for your decision" in missing.content.decode()
    lead_client.post(
        f"/administration/membership-requests/{asked.public_id}/",
        {"decision": "approve", "reason": "Seconded to the exploitation team"},
    )
    asked.refresh_from_db()
    assert (asked.status, asked.decided_by) == ("approved", lead)
    assert Membership.objects.get(user=invited, agency=w["social_care"]).is_active
    task.refresh_from_db()
    assert task.status == "done"
    assert theirs.get(f"/cases/{w['social_care_case'].public_id}/").status_code == 200

    changes = list(
        AccessLogEntry.objects.filter(action="membership", record_id=invited.public_id)
        .order_by("id")
        .values_list("detail__change", "record_agency", "user")
    )
    assert changes == [
        ("requested", w["social_care"].pk, w["admin"].pk),
        ("approved", w["social_care"].pk, lead.pk),
    ]
    assert AccessLogEntry.objects.filter(
        action="account", record_id=invited.public_id, detail__change="invited"
    ).exists()
    assert [m.to for m in mail.outbox if "password" in m.body.lower()] == [[invited.email]]


def test_a_refused_request_opens_nothing_and_keeps_its_reason(client, partnership_world):
    w = partnership_world
    existing = MembershipFactory(agency=w["voluntary"]).user
    sign_in(client, w["admin"])
    client.post(
        f"/administration/users/{existing.public_id}/",
        {"agency": w["police"].pk, "role": Role.ANALYST},
    )
    asked = MembershipRequest.objects.get(user=existing)
    lead_client = sign_in(Client(), w["police_lead"])
    lead_client.post(
        f"/administration/membership-requests/{asked.public_id}/",
        {"decision": "refuse", "reason": "Not vetted for police data"},
    )
    asked.refresh_from_db()
    assert (asked.status, asked.decision_reason) == ("refused", "Not vetted for police data")
    assert not Membership.objects.filter(user=existing, agency=w["police"]).exists()
    # Decided once: a second decision is refused.
    again = lead_client.post(
        f"/administration/membership-requests/{asked.public_id}/",
        {"decision": "approve", "reason": "Changed my mind"},
    )
    assert again.status_code == 404
    asked.refresh_from_db()
    assert asked.status == "refused"


def test_nobody_approves_a_membership_of_their_own(client, partnership_world):
    """A CSE lead of the police asked (by another agency's administrator) to be made the
    police's administrator cannot approve it themselves; another approver can."""
    from agencies.services import membership_grant

    w = partnership_world
    sign_in(client, w["admin"])
    lead = w["police_lead"]
    # The administrator does not manage police users: the page is not theirs to use.
    assert client.get(f"/administration/users/{lead.public_id}/").status_code == 404
    asked = membership_grant(user=lead, agency=w["police"], role=Role.ADMINISTRATOR, by=w["admin"])
    assert asked.role == "administrator"
    own = sign_in(Client(), lead)
    refused = own.post(
        f"/administration/membership-requests/{asked.public_id}/",
        {"decision": "approve", "reason": "Me"},
    )
    assert refused.status_code == 404
    assert Membership.objects.get(user=lead, agency=w["police"]).role == Role.CSE_LEAD


def test_a_new_agencys_first_administrator_is_appointed_by_the_partnership(
    client, partnership_world
):
    """An agency with nobody who could approve takes its first administrator at once; once it
    has one, another administrator from outside waits for approval."""
    w = partnership_world
    partnership = w["police"].partnerships.get()
    new_agency = AgencyFactory(partnerships=[partnership])
    sign_in(client, w["admin"])
    client.post(
        "/administration/users/new/",
        {
            "full_name": "Sasha Brightwater",
            "email": "sasha@health.example",
            "agency": new_agency.pk,
            "role": Role.ADMINISTRATOR,
        },
    )
    sasha = User.objects.get(email="sasha@health.example")
    assert Membership.objects.get(user=sasha, agency=new_agency).role == Role.ADMINISTRATOR
    client.post(
        "/administration/users/new/",
        {
            "full_name": "Tobin Ashgrove",
            "email": "tobin@health.example",
            "agency": new_agency.pk,
            "role": Role.ADMINISTRATOR,
        },
    )
    tobin = User.objects.get(email="tobin@health.example")
    assert not tobin.memberships.exists()
    assert MembershipRequest.objects.get(user=tobin).status == "pending"


def test_an_agencys_own_administrator_gives_its_memberships_and_the_cse_leads_are_told(
    client, partnership_world
):
    w = partnership_world
    police_admin = MembershipFactory(role=Role.ADMINISTRATOR, agency=w["police"]).user
    officer = MembershipFactory(agency=w["police"], role=Role.FRONTLINE).user
    sign_in(client, police_admin)
    client.post(
        f"/administration/users/{officer.public_id}/",
        {"agency": w["police"].pk, "role": Role.SUPERVISOR},
    )
    assert Membership.objects.get(user=officer, agency=w["police"]).role == Role.SUPERVISOR
    entry = AccessLogEntry.objects.get(action="membership", record_id=officer.public_id)
    assert entry.detail == {
        "change": "role_changed",
        "role": "supervisor",
        "previous_role": "frontline",
    }
    assert (entry.user, entry.agency, entry.record_agency) == (
        police_admin,
        w["police"],
        w["police"],
    )
    task = Task.objects.get(agency=w["police"], role=Role.CSE_LEAD, kind="membership_changed")
    page = sign_in(Client(), w["police_lead"]).get(f"/tasks/{task.public_id}/").content.decode()
    assert officer.full_name in page
    assert police_admin.full_name in page
    assert "Supervisor (was Front-line worker)" in page

    # Deactivating and ending are logged and told too.
    client.post(f"/administration/users/{officer.public_id}/active/", {"reason": "Left"})
    assert AccessLogEntry.objects.filter(
        action="account", record_id=officer.public_id, detail__change="deactivated"
    ).exists()
    membership = Membership.objects.get(user=officer, agency=w["police"])
    client.post(f"/administration/memberships/{membership.public_id}/end/")
    assert AccessLogEntry.objects.filter(
        action="membership", record_id=officer.public_id, detail__change="ended"
    ).exists()
    # With no membership of the police left, the account is no longer the police's to change.
    again = client.post(f"/administration/users/{officer.public_id}/active/", {"reason": "Back"})
    assert "has no current membership of your agency" in again.content.decode()


def test_the_whole_account_is_changed_only_with_every_agency_it_belongs_to(
    client, partnership_world
):
    """Deactivating, reactivating and resetting the authenticator act on the whole account: an
    administrator of one of its agencies alone is refused; one of every agency is not, and
    every agency is told."""
    w = partnership_world
    police_admin = MembershipFactory(role=Role.ADMINISTRATOR, agency=w["police"]).user
    both = MembershipFactory(agency=w["police"]).user
    MembershipFactory(user=both, agency=w["social_care"])
    sign_in(client, police_admin)
    for url, data in (
        (f"/administration/users/{both.public_id}/active/", {"reason": "Left"}),
        (f"/administration/users/{both.public_id}/two-factor-reset/", {"reset-reason": "Lost"}),
    ):
        refused = client.post(url, data).content.decode()
        assert f"also belongs to {w['social_care'].name}" in refused
    both.refresh_from_db()
    assert both.is_active

    MembershipFactory(user=police_admin, agency=w["social_care"], role=Role.ADMINISTRATOR)
    both_admin = sign_in(Client(), police_admin)
    both_admin.post(f"/administration/users/{both.public_id}/active/", {"reason": "Left"})
    both.refresh_from_db()
    assert not both.is_active
    told = set(
        Task.objects.filter(kind="account_changed", role=Role.CSE_LEAD).values_list(
            "agency", flat=True
        )
    )
    assert told == {w["police"].pk, w["social_care"].pk}
    own = both_admin.post(
        f"/administration/users/{police_admin.public_id}/active/", {"reason": "x"}
    )
    assert "You cannot change your own" in own.content.decode()
    police_admin.refresh_from_db()
    assert police_admin.is_active


def test_an_agency_whose_approvers_left_is_not_taken_over_from_outside(client, partnership_world):
    """Health holds records but its only CSE lead has left: a partnership administrator's
    appointment of its administrator still waits, for an approver health appoints itself."""
    w = partnership_world
    health = AgencyFactory(partnerships=[w["police"].partnerships.get()], type="health")
    CaseFactory(owner_agency=health)
    MembershipFactory(role=Role.FRONTLINE, agency=health)
    left = MembershipFactory(role=Role.CSE_LEAD, agency=health)
    Membership.objects.filter(pk=left.pk).update(is_active=False)
    sign_in(client, w["admin"])
    client.post(
        "/administration/users/new/",
        {
            "full_name": "Quentin Marsh",
            "email": "quentin@voluntary.example",
            "agency": health.pk,
            "role": Role.ADMINISTRATOR,
        },
    )
    quentin = User.objects.get(email="quentin@voluntary.example")
    assert not quentin.memberships.exists()
    assert MembershipRequest.objects.get(user=quentin).status == "pending"


def test_another_agencys_roles_are_changed_only_with_its_approval(client, partnership_world):
    """Even to a role that opens no records: another agency's CSE lead is not made an LSCB
    chair from outside."""
    from agencies.services import membership_grant

    w = partnership_world
    asked = membership_grant(
        user=w["police_lead"], agency=w["police"], role=Role.LSCB_CHAIR, by=w["admin"]
    )
    assert isinstance(asked, MembershipRequest)
    assert Membership.objects.get(user=w["police_lead"], agency=w["police"]).role == "cse_lead"


def test_another_agencys_type_and_status_are_its_own(client, partnership_world):
    """A partnership administrator edits the agencies of the partnership, but not another
    agency's type (which decides who reads police intelligence) or whether it is active, and
    never the partnerships they do not administer; each change is logged and told."""
    w = partnership_world
    police = w["police"]
    elsewhere = PartnershipFactory()
    police.partnerships.add(elsewhere)
    partnership = police.partnerships.exclude(pk=elsewhere.pk).get()
    sign_in(client, w["admin"])
    url = f"/administration/agencies/{police.public_id}/"
    base = {"name": police.name, "partnerships": [partnership.pk], "is_active": "on"}

    made_voluntary = client.post(url, {**base, "type": "voluntary_project"})
    assert "Only" in made_voluntary.content.decode()
    switched_off = client.post(url, {**base, "type": "police", "is_active": ""})
    assert "own administrator can change its type" in switched_off.content.decode()
    police.refresh_from_db()
    assert (police.type, police.is_active) == ("police", True)

    client.post(url, {**base, "type": "police", "name": "Westshire Constabulary"})
    police.refresh_from_db()
    assert police.name == "Westshire Constabulary"
    assert set(police.partnerships.all()) == {partnership, elsewhere}
    entry = AccessLogEntry.objects.get(detail__change="agency_changed")
    assert entry.detail["fields"] == ["name"]
    assert Task.objects.filter(agency=police, role=Role.CSE_LEAD, kind="account_changed").exists()


def test_the_one_who_asked_may_withdraw_a_waiting_request(client, partnership_world):
    w = partnership_world
    existing = MembershipFactory(agency=w["voluntary"]).user
    sign_in(client, w["admin"])
    client.post(
        f"/administration/users/{existing.public_id}/",
        {"agency": w["police"].pk, "role": Role.ANALYST},
    )
    asked = MembershipRequest.objects.get(user=existing)
    url = f"/administration/membership-requests/{asked.public_id}/"
    assert "Withdraw this request" in client.get(url).content.decode()
    # Nobody else may withdraw it.
    lead_client = sign_in(Client(), w["police_lead"])
    assert "Withdraw this request" not in lead_client.get(url).content.decode()
    assert lead_client.post(url, {"withdraw": "1"}).status_code == 404
    client.post(url, {"withdraw": "1"})
    asked.refresh_from_db()
    assert asked.status == "withdrawn"
    assert not Task.objects.filter(kind="membership_request", status="open").exists()
    assert AccessLogEntry.objects.filter(
        action="membership", detail__change="withdrawn", record_id=existing.public_id
    ).exists()
    # Withdrawn, it is decided by nobody.
    late = lead_client.post(url, {"decision": "approve", "reason": "Late"})
    assert late.status_code == 404
    assert not Membership.objects.filter(user=existing, agency=w["police"]).exists()


@pytest.mark.parametrize("url", ["/administration/membership-requests/", "/administration/users/"])
def test_membership_lists_run_the_same_queries_however_many_requests(
    client, partnership_world, url, django_assert_max_num_queries
):
    from agencies.services import membership_grant

    w = partnership_world
    police_admin = MembershipFactory(role=Role.ADMINISTRATOR, agency=w["police"]).user

    def ask(count):
        for _ in range(count):
            person = MembershipFactory(agency=w["voluntary"]).user
            membership_grant(user=person, agency=w["police"], role=Role.ANALYST, by=w["admin"])

    ask(2)
    sign_in(client, police_admin)
    with django_assert_max_num_queries(40) as few:
        assert client.get(url).status_code == 200
    ask(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count("/administration/") > 12
