"""Printing a chronology is a disclosure (DPA 2018 s.62): like an export or a share, it asks for
the password and a code again when they were last confirmed more than 15 minutes ago."""

import time
from urllib.parse import quote

import pytest

from agencies.models import AccessLogEntry, Role
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, CaseFactory, enrol_totp, member, totp_code

pytestmark = pytest.mark.django_db


def confirmed_long_ago(client) -> None:
    session = client.session
    session["reauthenticated_at"] = time.time() - 16 * 60
    session.save()


def test_the_chronology_print_asks_for_identity_again_then_opens(client):
    case = CaseFactory()
    worker = member(Role.FRONTLINE, case.owner_agency)
    sign_in(client, worker)
    url = f"/cases/{case.public_id}/chronology/print/?kind=concern"
    assert client.get(url).status_code == 200  # just signed in: confirmed moments ago
    confirmed_long_ago(client)
    printed = AccessLogEntry.objects.filter(action="print").count()

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/confirm-identity/?next={quote(url, safe='')}"
    assert AccessLogEntry.objects.filter(action="print").count() == printed  # nothing shown
    response = client.post(
        "/confirm-identity/",
        {"password": TEST_PASSWORD, "code": totp_code(enrol_totp(worker)),
         "next": url},
    )  # fmt: skip
    assert response["Location"] == url
    page = client.get(url)
    assert page.status_code == 200
    assert "Printed by" in page.content.decode()
    assert AccessLogEntry.objects.filter(action="print").count() == printed + 1
