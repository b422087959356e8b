"""Importing a data template writes records of every agency it names: like an export, the
upload asks for the password and a code again when they were last confirmed more than 15
minutes ago, before a file is chosen and when one is posted."""

import time
from urllib.parse import quote

import pytest

from agencies.models import Role
from reports.models import TemplateImport
from tests.conftest import sign_in
from tests.factories import (
    TEST_PASSWORD,
    AgencyFactory,
    PartnershipFactory,
    enrol_totp,
    member,
    totp_code,
)

pytestmark = pytest.mark.django_db
URL = "/template/import/"


def test_the_template_upload_asks_for_identity_again_then_opens(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    lead = member(Role.SAFEGUARDING_LEAD, AgencyFactory(partnerships=[PartnershipFactory()]))
    sign_in(client, lead)
    assert client.get(URL).status_code == 200  # just signed in: confirmed moments ago
    session = client.session
    session["reauthenticated_at"] = time.time() - 16 * 60
    session.save()

    for response in (
        client.get(URL),
        client.post(URL, {"file": SimpleUploadedFile("children.zip", b"PK\x03\x04")}),
    ):
        assert response.status_code == 302
        assert response["Location"] == f"/confirm-identity/?next={quote(URL, safe='')}"
    assert not TemplateImport.objects.exists()

    response = client.post(
        "/confirm-identity/",
        {"password": TEST_PASSWORD, "code": totp_code(enrol_totp(lead)),
         "next": URL},
    )  # fmt: skip
    assert response["Location"] == URL
    page = client.get(URL)
    assert page.status_code == 200
    assert 'type="file"' in page.content.decode()
