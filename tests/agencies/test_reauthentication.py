import time

import pytest

from agencies.models import Role
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, CaseFactory, enrol_totp, member, totp_code

pytestmark = pytest.mark.django_db


def test_sharing_asks_for_password_and_code_again_after_fifteen_minutes(client):
    case = CaseFactory()
    lead = member(Role.CSE_LEAD, case.owner_agency)
    sign_in(client, lead)
    share_url = f"/cases/{case.public_id}/share/"
    assert client.get(share_url).status_code == 200

    session = client.session
    session["reauthenticated_at"] = time.time() - 16 * 60
    session.save()
    response = client.get(share_url)
    assert response.status_code == 302
    assert response["Location"].startswith("/confirm-identity/?next=")

    device = enrol_totp(lead)
    wrong = client.post(
        "/confirm-identity/", {"password": "wrong", "code": "123456", "next": share_url}
    )
    assert "The password is not right" in wrong.content.decode()
    before = client.session.session_key
    response = client.post(
        "/confirm-identity/",
        {"password": TEST_PASSWORD, "code": totp_code(device, steps_ahead=1), "next": share_url},
    )
    assert response["Location"] == share_url
    # A new session id with the raised assurance (OWASP ASVS 5.0 V7.2.4).
    assert client.session.session_key != before
    assert client.get(share_url).status_code == 200


def test_withdrawing_a_share_after_confirming_identity_returns_to_the_form(client):
    from cases.services import case_share
    from tests.factories import AgencyFactory

    case = CaseFactory()
    partner = AgencyFactory(partnerships=list(case.owner_agency.partnerships.all()))
    lead = member(Role.CSE_LEAD, case.owner_agency)
    case_share(
        case=case, agency=partner, reason="Strategy meeting", lawful_basis="safeguarding", by=lead
    )
    sign_in(client, lead)
    session = client.session
    session["reauthenticated_at"] = time.time() - 16 * 60
    session.save()
    url = f"/cases/{case.public_id}/shares/{partner.public_id}/withdraw/"

    response = client.post(url, {"reason": "No longer involved"})
    assert response["Location"].startswith("/confirm-identity/?next=")
    response = client.post(
        "/confirm-identity/",
        {"password": TEST_PASSWORD, "code": totp_code(enrol_totp(lead)), "next": url},
    )
    assert response["Location"] == url
    page = client.get(url)
    assert page.status_code == 200
    assert "Reason for withdrawing the share" in page.content.decode()
    assert client.post(url, {"reason": "No longer involved"}).status_code == 302
