"""The browser security headers of every answer, read from real responses (OWASP ASVS 5.0
V3.4): a content security policy of the service's own origin only, no framing, no sniffing,
no referrer beyond the service, and HSTS over HTTPS."""

import pytest

from tests.conftest import sign_in
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {
        part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()
    }


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_carries_the_security_headers(client, signed_in):
    if signed_in:
        sign_in(client, MembershipFactory().user)
    response = client.get("/" if signed_in else "/sign-in/", secure=True)
    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "max-age=31536000" in response["Strict-Transport-Security"]
