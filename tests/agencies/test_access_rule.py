"""agencies.access: the one place that decides who sees which record."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from agencies import access
from agencies.models import AccessLogEntry, Role
from cases.models import Case
from tests.conftest import sign_in, without_csrf_token
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    MembershipFactory,
    PartnershipFactory,
    UserFactory,
    member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def agencies():
    partnership = PartnershipFactory()
    return {name: AgencyFactory(partnerships=[partnership]) for name in ("a", "b", "c")}


def test_visible_returns_owned_and_shared_records_in_one_query(agencies):
    own = CaseFactory.create_batch(3, owner_agency=agencies["a"])
    shared = CaseFactory(owner_agency=agencies["b"])
    CaseFactory.create_batch(2, owner_agency=agencies["b"])  # not shared
    access.record_share(
        record=shared,
        agency=agencies["a"],
        reason="Referral",
        lawful_basis="safeguarding",
        by=UserFactory(),
    )
    user = member(Role.FRONTLINE, agencies["a"])

    with CaptureQueriesContext(connection) as queries:
        result = set(access.visible(user, Case.objects.all()))
    assert result == {*own, shared}
    assert len(queries) == 2  # the user's memberships, then the records


def test_roles_that_open_no_records_see_none_even_in_the_owning_agency(agencies):
    CaseFactory(owner_agency=agencies["a"])
    for role in (Role.LSCB_CHAIR, Role.ADMINISTRATOR):
        assert not access.visible(member(role, agencies["a"]), Case.objects.all()).exists()


def test_an_ended_membership_or_inactive_agency_opens_nothing(agencies):
    from agencies import services

    case = CaseFactory(owner_agency=agencies["a"])
    membership = MembershipFactory(agency=agencies["a"])
    administrator = member(Role.ADMINISTRATOR, agencies["a"])
    services.membership_end(membership=membership, by=administrator)
    assert not access.visible(membership.user, Case.objects.filter(pk=case.pk)).exists()

    other = MembershipFactory(agency=agencies["b"])
    CaseFactory(owner_agency=agencies["b"])
    agencies["b"].is_active = False
    agencies["b"].save()
    assert not access.visible(other.user, Case.objects.all()).exists()


def test_a_withdrawn_share_closes_the_record_again_and_both_are_logged(agencies):
    case = CaseFactory(owner_agency=agencies["a"])
    lead = member(Role.CSE_LEAD, agencies["a"])
    reader = member(Role.FRONTLINE, agencies["b"])

    access.record_share(
        record=case,
        agency=agencies["b"],
        reason="MASE meeting",
        lawful_basis="safeguarding",
        by=lead,
    )
    assert access.visible(reader, Case.objects.all()).get() == case
    # django-guardian agrees: the grant went to the agency's group, not the person.
    assert reader.has_perm("cases.view_case", case)
    assert not lead.has_perm("cases.view_case", case)  # owners see by ownership, not by grant

    access.record_unshare(record=case, agency=agencies["b"], reason="Case closed", by=lead)
    del reader._agency_roles
    assert not access.visible(reader, Case.objects.all()).exists()
    actions = list(AccessLogEntry.objects.order_by("id").values_list("action", "reason"))
    assert actions == [("share", "MASE meeting"), ("unshare", "Case closed")]
    assert case.grants.model.history.filter(history_type="-").count() == 2


def test_another_agencys_record_answers_404_like_a_missing_one_and_the_attempt_is_logged(
    client, agencies
):
    case = CaseFactory(owner_agency=agencies["b"])
    user = member(Role.CSE_LEAD, agencies["a"])
    sign_in(client, user)

    forbidden = client.get(f"/cases/{case.public_id}/")
    missing = client.get("/cases/00000000-0000-0000-0000-000000000000/")

    assert forbidden.status_code == missing.status_code == 404

    assert without_csrf_token(forbidden) == without_csrf_token(missing)
    entry = AccessLogEntry.objects.get(action="denied")
    assert (entry.user, entry.agency, entry.record_agency) == (user, agencies["a"], agencies["b"])
    assert entry.record_id == case.public_id


def test_viewing_a_record_writes_the_access_log(client, agencies):
    case = CaseFactory(owner_agency=agencies["a"])
    user = member(Role.FRONTLINE, agencies["a"])
    sign_in(client, user)
    assert client.get(f"/cases/{case.public_id}/").status_code == 200
    entry = AccessLogEntry.objects.exclude(action="signed_in").get()
    assert (entry.action, entry.user, entry.record_id) == ("view", user, case.public_id)


def test_a_cse_lead_shares_through_the_form_giving_a_reason(client, agencies):
    case = CaseFactory(owner_agency=agencies["a"])
    sign_in(client, member(Role.CSE_LEAD, agencies["a"]))

    response = client.post(f"/cases/{case.public_id}/share/", {"agency": "", "reason": ""})
    page = response.content.decode()
    assert "Select the agency to share with" in page
    assert "Enter the reason for sharing" in page
    assert not case.grants.exists()

    response = client.post(
        f"/cases/{case.public_id}/share/",
        {
            "agency": str(agencies["c"].public_id),
            "lawful_basis": "safeguarding",
            "reason": "Strategy discussion",
        },
    )
    assert response.status_code == 302
    assert access.shared_agency_ids(case) == {agencies["c"].id}
    detail = client.get(f"/cases/{case.public_id}/").content.decode()
    assert agencies["c"].name in detail


def test_a_share_can_only_go_to_agencies_of_the_same_partnership(client, agencies):
    case = CaseFactory(owner_agency=agencies["a"])
    outsider = AgencyFactory()  # another partnership
    sign_in(client, member(Role.CSE_LEAD, agencies["a"]))
    response = client.post(
        f"/cases/{case.public_id}/share/",
        {"agency": str(outsider.public_id), "lawful_basis": "safeguarding", "reason": "No"},
    )
    assert "Select one of the agencies listed" in response.content.decode()
    assert not case.grants.exists()


def test_the_history_page_lists_each_change_with_who_and_why(client, agencies):
    case = CaseFactory(owner_agency=agencies["a"])
    user = member(Role.SUPERVISOR, agencies["a"])
    case.status = Case.Status.CLOSED
    case._change_reason = "Child moved out of area"
    case._history_user = user
    case.save()
    sign_in(client, user)

    page = client.get(f"/cases/{case.public_id}/history/").content.decode()
    assert "Status" in page
    assert '<td class="govuk-table__cell">Open</td>' in page
    assert '<td class="govuk-table__cell">Closed</td>' in page
    assert "Child moved out of area" in page
    assert escape(user.full_name) in page  # a name like O'Brien is HTML-escaped
