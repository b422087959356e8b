"""Restricted records through their pages: who may open a restricted child or case, what
everyone else sees of it, emergency access, and lifting a restriction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.html import escape

from agencies.models import AccessLogEntry, Agency, Role
from cases.models import CaseNote
from cases.services import case_share, person_index
from core.models import Task
from restrictions.models import EmergencyAccess, Restriction
from tests.conftest import sign_in
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    ConcernFactory,
    PartnershipFactory,
    member,
)

pytestmark = pytest.mark.django_db

CHILD_FIRST, CHILD_LAST = "Xanthe", "Quarrington"


@pytest.fixture
def world():
    """A police case about a child, led by an officer, shared with social care; a CSE lead
    who restricts it; a colleague who is not named; a frontline colleague named on it."""
    partnership = PartnershipFactory()
    police = AgencyFactory(name="Riverside Police", type=Agency.Type.POLICE,
                           partnerships=[partnership])  # fmt: skip
    social_care = AgencyFactory(name="Riverside Social Care", partnerships=[partnership])
    lead = member(Role.CSE_LEAD, police)
    officer = member(Role.FRONTLINE, police)
    case = CaseFactory(
        owner_agency=police, lead_professional=officer,
        child__first_name=CHILD_FIRST, child__last_name=CHILD_LAST,
    )  # fmt: skip
    person_index(person=case.child)  # as the concern form does, so that search finds them
    concern = ConcernFactory(case=case)
    case_share(case=case, agency=social_care, reason="Referral accepted",
               lawful_basis="safeguarding", by=lead)  # fmt: skip
    return {
        "police": police,
        "social_care": social_care,
        "lead": lead,
        "officer": officer,
        "colleague": member(Role.FRONTLINE, police),
        "named": member(Role.FRONTLINE, police),
        "analyst": member(Role.ANALYST, police),
        "partner": member(Role.FRONTLINE, social_care),
        "outsider": member(Role.CSE_LEAD, AgencyFactory(partnerships=[partnership])),
        "case": case,
        "child": case.child,
        "concern": concern,
    }


def restrict(client, world, *, named=("named", "officer")):
    sign_in(client, world["lead"])
    return client.post(
        f"/people/{world['child'].public_id}/restrict/",
        {
            "reason": "The child is related to a member of staff",
            "users": [world[key].public_id for key in named],
        },
    )


def record_urls(world) -> list[str]:
    return [
        f"/people/{world['child'].public_id}/",
        f"/cases/{world['case'].public_id}/",
        f"/cases/{world['case'].public_id}/chronology/",
        f"/concerns/{world['concern'].public_id}/",
        f"/cases/{world['case'].public_id}/history/",
    ]


def test_restricting_a_child_closes_the_child_the_case_and_what_belongs_to_it(client, world):
    response = restrict(client, world)
    assert response.status_code == 302
    restriction = Restriction.objects.get()
    assert set(restriction.named.values_list("user", flat=True)) == {
        world["lead"].pk, world["named"].pk, world["officer"].pk,
    }  # fmt: skip
    for key in ("colleague", "partner", "outsider", "analyst"):
        sign_in(client, world[key])
        for url in record_urls(world):
            assert client.get(url).status_code == 404, (key, url)
    for key in ("named", "officer", "lead"):
        sign_in(client, world[key])
        for url in record_urls(world):
            assert client.get(url).status_code == 200, (key, url)
    entry = AccessLogEntry.objects.filter(action="restrict").get()
    assert entry.reason == "The child is related to a member of staff"


def test_others_see_only_that_a_restricted_record_exists_in_lists_and_search(client, world):
    restrict(client, world)
    for key in ("colleague", "partner"):
        sign_in(client, world[key])
        listing = client.get("/cases/").content.decode()
        assert "Restricted record" in listing
        assert f"/restricted/cases/{world['case'].public_id}/" in listing
        assert escape(CHILD_LAST) not in listing
        found = client.post("/people/search/", {"name": f"{CHILD_FIRST} {CHILD_LAST}"})
        page = found.content.decode().split('<table class="govuk-table">')[1]
        assert "Restricted record" in page
        assert escape(CHILD_LAST) not in page
        assert CHILD_FIRST not in page
        assert f"/restricted/people/{world['child'].public_id}/" in page
    sign_in(client, world["outsider"])
    found = client.post("/people/search/", {"name": f"{CHILD_FIRST} {CHILD_LAST}"})
    assert "Restricted record" not in found.content.decode()


def test_the_named_see_the_restriction_and_who_it_is_open_to(client, world):
    restrict(client, world)
    sign_in(client, world["named"])
    page = client.get(f"/cases/{world['case'].public_id}/").content.decode()
    assert "Restricted through the child&#x27;s record" in page or "Restricted through" in page
    person_page = client.get(f"/people/{world['child'].public_id}/").content.decode()
    assert "Open only to:" in person_page
    assert escape(world["named"].full_name) in person_page
    assert "Lift the restriction" not in person_page  # a frontline worker does not manage it
    sign_in(client, world["lead"])
    assert (
        "Lift the restriction"
        in client.get(f"/people/{world['child'].public_id}/").content.decode()
    )


def test_a_restriction_needs_a_reason_and_people_of_the_holding_agency(client, world):
    sign_in(client, world["lead"])
    url = f"/people/{world['child'].public_id}/restrict/"
    response = client.post(url, {"reason": "", "users": [world["named"].public_id]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter why the record is restricted" in page
    assert f'value="{world["named"].public_id}"\n' in page or "checked" in page
    response = client.post(url, {"reason": "Staff relative", "users": [world["partner"].public_id]})
    assert "Choose people from the list" in response.content.decode()
    assert not Restriction.objects.exists()


@pytest.mark.parametrize("role", [Role.FRONTLINE, Role.ANALYST, Role.SAFEGUARDING_LEAD])
def test_only_cse_leads_and_supervisors_of_the_holding_agency_restrict(client, world, role):
    sign_in(client, member(role, world["police"]))
    url = f"/people/{world['child'].public_id}/restrict/"
    assert client.get(url).status_code == 404
    sign_in(client, member(Role.CSE_LEAD, world["social_care"]))
    assert client.get(url).status_code == 404
    sign_in(client, member(Role.SUPERVISOR, world["police"]))
    assert client.get(url).status_code == 200


def test_emergency_access_with_a_reason_opens_the_record_and_tells_the_lead_at_once(
    client, world, django_capture_on_commit_callbacks
):
    restrict(client, world, named=("named",))  # the officer leading the case is not named
    mail.outbox.clear()
    sign_in(client, world["colleague"])
    url = f"/restricted/cases/{world['case'].public_id}/"
    page = client.get(url).content.decode()
    assert "Open the record in an emergency" in page
    assert escape(CHILD_LAST) not in page

    refused = client.post(url, {"reason": "  "})
    assert "Enter why this is an emergency" in refused.content.decode()
    assert not EmergencyAccess.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Missing tonight; record may say where she goes"})
    assert response["Location"] == f"/cases/{world['case'].public_id}/"
    case_page = client.get(response["Location"]).content.decode()
    assert escape(CHILD_LAST) in case_page
    assert "You have emergency access to this restricted record until" in case_page
    assert client.get(f"/concerns/{world['concern'].public_id}/").status_code == 200

    entry = AccessLogEntry.objects.get(action="emergency")
    assert (entry.user, entry.reason) == (
        world["colleague"],
        "Missing tonight; record may say where she goes",
    )
    tasks = Task.objects.filter(kind="emergency_access")
    assert {(t.user_id, t.role) for t in tasks} == {
        (world["officer"].pk, ""),
        (None, Role.CSE_LEAD),
    }
    sign_in(client, world["officer"])
    assert "Emergency access was used" in client.get("/tasks/").content.decode()
    task = tasks.get(user=world["officer"])
    detail = client.get(f"/tasks/{task.public_id}/").content.decode()
    assert "Missing tonight" in detail
    assert escape(world["colleague"].full_name) in detail
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([world["officer"].email, world["lead"].email])
    assert all(CHILD_LAST not in m.body + m.subject for m in mail.outbox)
    # Someone else in the agency, without emergency access, still sees nothing.
    sign_in(client, member(Role.FRONTLINE, world["police"]))
    assert client.get(f"/cases/{world['case'].public_id}/").status_code == 404


def test_emergency_access_ends_after_its_time(client, world, settings):
    restrict(client, world)
    sign_in(client, world["colleague"])
    client.post(f"/restricted/cases/{world['case'].public_id}/", {"reason": "Child missing"})
    access = EmergencyAccess.objects.get()
    lasts = access.expires_at - access.created_at
    assert abs(lasts - settings.EMERGENCY_ACCESS_FOR) < timedelta(seconds=5)
    assert client.get(f"/cases/{world['case'].public_id}/").status_code == 200
    EmergencyAccess.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(f"/cases/{world['case'].public_id}/").status_code == 404
    assert client.get(f"/concerns/{world['concern'].public_id}/").status_code == 404


def test_emergency_access_is_for_case_roles_reaching_the_record(client, world):
    restrict(client, world)
    url = f"/restricted/cases/{world['case'].public_id}/"
    sign_in(client, world["analyst"])
    page = client.get(url).content.decode()
    assert "Restricted record" in page
    assert "Open the record in an emergency" not in page
    assert client.post(url, {"reason": "Curious"}).status_code == 404
    sign_in(client, world["outsider"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "Curious"}).status_code == 404
    sign_in(client, world["partner"])  # the case is shared with social care
    assert client.post(url, {"reason": "Child missing"}).status_code == 302
    assert EmergencyAccess.objects.get().agency == world["social_care"]


def test_lifting_a_restriction_opens_the_record_again_and_ends_emergency_access(client, world):
    restrict(client, world)
    restriction = Restriction.objects.get()
    sign_in(client, world["partner"])
    client.post(f"/restricted/people/{world['child'].public_id}/", {"reason": "Child missing"})
    sign_in(client, world["lead"])
    refused = client.post(f"/restrictions/{restriction.public_id}/lift/", {"reason": ""})
    assert "Enter why the restriction is lifted" in refused.content.decode()
    client.post(f"/restrictions/{restriction.public_id}/lift/", {"reason": "Staff member left"})
    restriction.refresh_from_db()
    assert restriction.lifted_at is not None
    assert restriction.lifted_by == world["lead"]
    sign_in(client, world["colleague"])
    assert client.get(f"/cases/{world['case'].public_id}/").status_code == 200
    assert client.get(f"/restricted/cases/{world['case'].public_id}/")["Location"] == (
        f"/cases/{world['case'].public_id}/"
    )


def test_changing_who_is_named_closes_the_record_to_those_taken_off(client, world):
    restrict(client, world)
    restriction = Restriction.objects.get()
    sign_in(client, world["lead"])
    client.post(
        f"/restrictions/{restriction.public_id}/change/",
        {"reason": "Officer moved team", "users": [world["named"].public_id]},
    )
    sign_in(client, world["officer"])
    assert client.get(f"/cases/{world['case'].public_id}/").status_code == 404
    sign_in(client, world["named"])
    assert client.get(f"/cases/{world['case'].public_id}/").status_code == 200
    assert client.get(f"/restrictions/{restriction.public_id}/change/").status_code == 404


def test_a_restricted_case_alone_leaves_the_childs_other_records_open(client, world):
    sign_in(client, world["lead"])
    client.post(
        f"/cases/{world['case'].public_id}/restrict/",
        {"reason": "Undercover operation", "users": []},
    )
    sign_in(client, world["colleague"])
    assert client.get(f"/cases/{world['case'].public_id}/").status_code == 404
    assert client.get(f"/concerns/{world['concern'].public_id}/").status_code == 404
    assert client.get(f"/people/{world['child'].public_id}/").status_code == 200


def test_a_restricted_child_in_a_network_shows_only_as_restricted(client, world):
    from cases.models import Network, NetworkMember

    network = Network.objects.create(owner_agency=world["police"], name="Mill Street")
    NetworkMember.objects.create(network=network, person=world["child"], role="victim")
    restrict(client, world)
    sign_in(client, member(Role.ANALYST, world["police"]))
    page = client.get(f"/networks/{network.public_id}/").content.decode()
    assert escape(CHILD_LAST) not in page
    assert CHILD_FIRST not in page


def test_the_case_list_with_restricted_records_reads_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    restrict(client, world)
    for _ in range(5):
        CaseFactory(owner_agency=world["police"])
    sign_in(client, world["colleague"])
    with django_assert_max_num_queries(12):
        assert client.get("/cases/").status_code == 200


def test_a_note_without_a_handling_code_stays_visible_to_the_named(client, world):
    restrict(client, world)
    sign_in(client, world["named"])
    client.post(f"/cases/{world['case'].public_id}/notes/new/", {"text": "Seen at school"})
    note = CaseNote.objects.get()
    assert note.agency == world["police"]


def test_a_restricted_case_is_not_referred_and_its_referrals_leave_the_unnamed(client, world):
    from referrals.models import Referral

    existing = Referral.objects.create(
        case=world["case"], from_agency=world["police"], to_agency=world["social_care"],
        urgency="urgent", reason="Seen with older men", asked_for="Assessment", status="sent",
    )  # fmt: skip
    restrict(client, world)
    sign_in(client, world["named"])
    url = f"/cases/{world['case'].public_id}/referrals/new/"
    page = client.get(url).content.decode()
    assert 'data-testid="referral-restricted"' in page
    referral = {
        "to_agency": world["social_care"].public_id, "urgency": "urgent", "reason": "Missing",
        "asked_for": "Help", "child_family_aware": "yes", "lawful_basis": "safeguarding",
        "basis_reason": "At risk", "send": "1",
    }  # fmt: skip
    client.post(url, referral)
    assert list(Referral.objects.all()) == [existing]
    assert client.get(f"/referrals/{existing.public_id}/").status_code == 200
    for key in ("colleague", "partner"):
        sign_in(client, world[key])
        assert client.get(f"/referrals/{existing.public_id}/").status_code == 404
        inbox = client.get("/referrals/?tab=sent").content.decode()
        assert escape(CHILD_LAST) not in inbox


def test_a_user_named_on_a_case_restriction_still_sees_other_restricted_children_withheld(
    client, world
):
    """Being named on a case's restriction must not open, or show in a list, a child
    restricted to others (an array of the other kind's ids must hold no NULL)."""
    other_case = CaseFactory(owner_agency=world["police"], child__last_name="Vossington")
    sign_in(client, world["lead"])
    client.post(f"/cases/{other_case.public_id}/restrict/", {"reason": "Operation", "users": []})
    other_lead = member(Role.CSE_LEAD, world["police"])
    sign_in(client, other_lead)
    client.post(
        f"/people/{world['child'].public_id}/restrict/", {"reason": "Staff relative", "users": []}
    )
    sign_in(client, world["lead"])  # named on the case restriction, not on the child's
    listing = client.get("/cases/?status=open").content.decode()
    assert escape(CHILD_LAST) not in listing
    assert f"/restricted/cases/{world['case'].public_id}/" in listing
    assert "Vossington" in listing
    found = client.post("/people/search/", {"name": CHILD_LAST})
    assert found.status_code == 200
    assert escape(CHILD_LAST) not in found.content.decode().split('<table class="govuk-table">')[1]


def test_another_agencys_own_case_about_a_restricted_child_stays_open_to_it(client, world):
    theirs = CaseFactory(owner_agency=world["social_care"], child=world["child"])
    restrict(client, world)
    sign_in(client, world["partner"])
    assert client.get(f"/cases/{theirs.public_id}/").status_code == 200
    assert client.get(f"/cases/{world['case'].public_id}/").status_code == 404
    assert client.get(f"/people/{world['child'].public_id}/").status_code == 404


def test_the_lead_professional_is_not_pointed_to_a_case_restricted_away_from_them(client, world):
    sign_in(client, world["colleague"])
    client.get(f"/cases/{world['case'].public_id}/")  # an unlinked view
    restrict(client, world, named=("named",))
    sign_in(client, world["officer"])
    tasks = client.get("/tasks/").content.decode()
    assert 'data-testid="unlinked-views"' not in tasks
    assert escape(CHILD_LAST) not in tasks


def test_a_concern_names_only_the_people_the_reader_may_see(client, world):
    from cases.models import ConcernPerson
    from tests.factories import PersonFactory

    suspect = PersonFactory(owner_agency=world["police"], kind="suspect", last_name="Marrick")
    ConcernPerson.objects.create(concern=world["concern"], person=suspect, role="suspect")
    sign_in(client, world["lead"])
    client.post(f"/people/{suspect.public_id}/restrict/", {"reason": "High profile", "users": []})
    sign_in(client, world["colleague"])
    page = client.get(f"/concerns/{world['concern'].public_id}/").content.decode()
    assert "Marrick" not in page
    assert "whose record is held by Riverside Police (restricted)" in page


def test_merging_a_restricted_record_is_refused(client, world):
    from cases.models import Person
    from tests.factories import PersonFactory

    duplicate = PersonFactory(
        owner_agency=world["police"], first_name=CHILD_FIRST, last_name=CHILD_LAST
    )
    person_index(person=duplicate)
    restrict(client, world)
    response = client.post(
        f"/people/{world['child'].public_id}/merge/",
        {"duplicate": duplicate.public_id, "reason": "Same child"},
    )
    assert "One of these records is restricted: lift the restriction to merge" in (
        response.content.decode()
    )
    assert Person.objects.get(pk=duplicate.pk).merged_into_id is None


def test_a_cse_lead_not_named_may_lift_a_restriction_and_those_named_are_told(client, world):
    restrict(client, world, named=("named",))
    restriction = Restriction.objects.get()
    other_lead = member(Role.CSE_LEAD, world["police"])
    sign_in(client, other_lead)
    page = client.get(f"/restricted/people/{world['child'].public_id}/").content.decode()
    assert f"/restrictions/{restriction.public_id}/lift/" in page
    assert client.get(f"/restrictions/{restriction.public_id}/change/").status_code == 404
    client.post(f"/restrictions/{restriction.public_id}/lift/", {"reason": "All named have left"})
    restriction.refresh_from_db()
    assert restriction.lifted_by == other_lead
    told = Task.objects.filter(kind="restriction_lifted")
    assert {t.user_id for t in told} == {None, world["named"].pk, world["lead"].pk}
    sign_in(client, world["colleague"])
    assert client.get(f"/cases/{world['case'].public_id}/").status_code == 200


def test_a_new_child_matching_a_restricted_record_of_the_agency_tells_its_cse_lead(
    client, world, django_capture_on_commit_callbacks
):
    from tests.cases.conftest import concern_post

    born = timezone.localdate() - timedelta(days=14 * 365 + 40)
    world["child"].date_of_birth = born
    world["child"].save()
    person_index(person=world["child"])
    restrict(client, world)
    sign_in(client, world["colleague"])
    data = concern_post(**{
        "child-first_name": CHILD_FIRST, "child-last_name": CHILD_LAST,
        "child-date_of_birth": born.isoformat(),
    })  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/concerns/new/", data, follow=True)
    page = response.content.decode()
    assert "a restricted record of your agency" in page
    task = Task.objects.get(kind="possible_match")
    assert (task.agency, task.role) == (world["police"], Role.CSE_LEAD)


def test_the_template_export_leaves_out_a_child_restricted_away_from_the_exporter(client, world):
    from reports.template_export import template_rows

    world["case"].first_contact_date = timezone.localdate() - timedelta(days=10)
    world["case"].save()
    start, end = timezone.localdate() - timedelta(days=30), timezone.localdate()

    def exported(user) -> list[str]:
        rows = template_rows(user=user, start=start, end=end, agencies=[world["police"]])
        return [row["last_name"] for row in rows["children"]]

    assert exported(world["lead"]) == [CHILD_LAST]
    other_lead = member(Role.CSE_LEAD, world["police"])
    sign_in(client, other_lead)
    client.post(f"/cases/{world['case'].public_id}/restrict/", {"reason": "Operation"})
    assert exported(world["lead"]) == []
    assert exported(other_lead) == [CHILD_LAST]
