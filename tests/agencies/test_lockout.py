import pytest

from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


def test_five_failures_lock_the_address_from_that_network_address(client):
    user = MembershipFactory().user
    for _ in range(5):
        client.post("/sign-in/", {"email": user.email, "password": "wrong"}, REMOTE_ADDR="10.0.0.1")

    locked = client.post(
        "/sign-in/", {"email": user.email, "password": TEST_PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert locked.status_code == 429
    assert "Too many attempts to sign in" in locked.content.decode()
    assert "_auth_user_id" not in client.session

    # Keyed by address and network address: the same person elsewhere is not locked out.
    elsewhere = client.post(
        "/sign-in/", {"email": user.email, "password": TEST_PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert elsewhere.status_code == 302
