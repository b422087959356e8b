import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from agencies.models import Agency, Membership, Role, User
from tests.conftest import sign_in
from tests.factories import (
    AgencyFactory,
    MembershipFactory,
    PartnershipFactory,
    member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(client):
    partnership = PartnershipFactory()
    agency = AgencyFactory(partnerships=[partnership])
    admin = member(Role.ADMINISTRATOR, agency)
    sign_in(client, admin)
    admin.partnership = partnership
    admin.agency = agency
    return admin


def test_an_administrator_adds_an_agency_with_its_own_group(client, administrator):
    response = client.post(
        "/administration/agencies/new/",
        {
            "code": "pol-north",
            "name": "Northshire Police",
            "type": "police",
            "partnerships": [administrator.partnership.pk],
        },
    )
    assert response.status_code == 302
    agency = Agency.objects.get(code="pol-north")
    assert agency.group == Group.objects.get(name="agency:pol-north")
    assert list(agency.partnerships.all()) == [administrator.partnership]
    assert agency.history.first().history_user == administrator


def test_agency_form_names_every_missing_field_and_keeps_what_was_typed(client, administrator):
    response = client.post(
        "/administration/agencies/new/", {"code": "bad code!", "name": "Kept name"}
    )
    page = response.content.decode()
    assert "Use only letters, numbers and hyphens in the agency code" in page
    assert "Select the type of agency" in page
    assert "Select at least one partnership" in page
    assert 'value="Kept name"' in page
    assert not Agency.objects.filter(name="Kept name").exists()


def test_an_invited_user_sets_a_password_from_the_link_in_the_email(
    client, administrator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/administration/users/new/",
            {
                "full_name": "Sam Carter",
                "email": "Sam.Carter@csc.example",
                "agency": administrator.agency.pk,
                "role": "frontline",
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="sam.carter@csc.example")
    assert Membership.objects.get(user=user).role == "frontline"
    assert not user.has_usable_password()

    (email,) = mail.outbox
    assert email.to == ["sam.carter@csc.example"]
    assert "Sam" not in email.body  # the e-mail names nobody
    # Built from SITE_URL, not from the address the administrator's request came to.
    link = re.search(r"http://127\.0\.0\.1:8000(/password/link/\?key=\S+)", email.body).group(1)

    client.post("/sign-out/")
    # The token is taken off the address at once: the form lives at an address without it.
    assert client.get(link)["Location"] == "/password/new/"
    weak = client.post("/password/new/", {"password": "password", "confirm": "password"})
    assert "too common" in weak.content.decode()
    response = client.post(
        "/password/new/",
        {"password": "long enough pass phrase", "confirm": "long enough pass phrase"},
    )
    assert response["Location"] == "/sign-in/?password-set=1"
    user.refresh_from_db()
    assert user.check_password("long enough pass phrase")
    # The link works once.
    assert client.get(link).status_code == 404


def test_deactivating_a_user_ends_their_sessions_at_once(client, administrator, django_user_model):
    from django.test import Client

    target = MembershipFactory(agency=administrator.agency)
    their_browser = sign_in(Client(), target.user)
    assert their_browser.get("/").status_code == 200

    missing_reason = client.post(f"/administration/users/{target.user.public_id}/active/", {})
    assert "Enter the reason" in missing_reason.content.decode()
    client.post(f"/administration/users/{target.user.public_id}/active/", {"reason": "Left"})

    target.user.refresh_from_db()
    assert not target.user.is_active
    assert their_browser.get("/")["Location"].startswith("/sign-in/")
    assert target.user.history.first().history_change_reason == "Left"


def test_ending_a_membership_removes_the_user_from_the_agency_group(client, administrator):
    target = MembershipFactory(agency=administrator.agency, role=Role.FRONTLINE)
    assert target.user.groups.filter(pk=administrator.agency.group_id).exists()
    client.post(f"/administration/memberships/{target.public_id}/end/")
    target.refresh_from_db()
    assert not target.is_active
    assert not target.user.groups.filter(pk=administrator.agency.group_id).exists()


def test_administrators_do_not_see_users_of_other_partnerships(client, administrator):
    inside = MembershipFactory(agency=administrator.agency).user
    outside = MembershipFactory().user
    page = client.get("/administration/users/").content.decode()
    assert inside.email in page
    assert outside.email not in page


@pytest.mark.parametrize("url", ["/administration/users/", "/administration/"])
def test_administration_lists_run_the_same_queries_however_many_rows(
    client, administrator, url, django_assert_max_num_queries
):
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for _ in range(15):
        MembershipFactory(agency=AgencyFactory(partnerships=[administrator.partnership]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_a_user_created_by_an_administrator_keeps_who_created_them(administrator):
    from agencies import services

    user = services.user_create(email="x@y.example", full_name="X", password=None, by=administrator)
    assert str(administrator.public_id) in user.history.first().history_change_reason
