from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory

from agencies.client_address import client_address
from tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LOCKED = "Too many attempts to sign in"
SPRAYER = "203.0.113.7"
PROXY = "172.18.0.1"


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


def spray(client: Client, names: list[str], attempts: int, **request) -> list[int]:
    """Password spraying: a few common passwords tried at every name in turn, as an attacker
    does to stay under a per-account limit. The status code of each attempt."""
    guesses = ["Password123!", "Summer2024!!", "Welcome2024!"]
    statuses = []
    for n in range(attempts):
        email, guess = names[n % len(names)], guesses[n // len(names)]
        response = client.post("/sign-in/", {"email": email, "password": guess}, **request)
        assert "_auth_user_id" not in client.session
        statuses.append(response.status_code)
    return statuses


@pytest.fixture
def fifty_names() -> tuple[list, list[str]]:
    """50 user names, 20 of them real accounts, as in the reported spray."""
    real = [UserFactory() for _ in range(20)]
    names = [u.email for u in real] + [f"guess{n}@agency.example" for n in range(30)]
    return real, names


def test_before_the_address_limit_a_spray_of_130_failures_was_never_slowed(
    client, settings, fifty_names
):
    """The reported finding, with the address limit switched off (0): 130 failures for 50 names
    from one address, at most 3 per name, never reach the per-account limit of 5."""
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 0
    _, names = fifty_names
    assert spray(client, names, 130, REMOTE_ADDR=SPRAYER) == [200] * 130


def test_password_spraying_from_one_address_is_refused_after_the_address_limit(
    client, settings, fifty_names
):
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 20
    real, names = fifty_names

    statuses = spray(client, names, 130, REMOTE_ADDR=SPRAYER)

    # No name was tried five times, yet from the 20th failure on every attempt is refused.
    assert statuses == [200] * 19 + [429] * 111
    # Even the right password of a real account is refused from the spraying address...
    locked = client.post(
        "/sign-in/", {"email": real[0].email, "password": TEST_PASSWORD}, REMOTE_ADDR=SPRAYER
    )
    assert locked.status_code == 429
    assert LOCKED in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # ...while the same person signs in from another address.
    elsewhere = Client().post(
        "/sign-in/", {"email": real[0].email, "password": TEST_PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert elsewhere.status_code == 302
    assert elsewhere["Location"] == "/two-factor/set-up/"


def test_the_address_limit_counts_failures_within_the_cool_off_only(client, settings, fifty_names):
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 20
    real, names = fifty_names
    assert spray(client, names, 20, REMOTE_ADDR=SPRAYER)[-1] == 429

    # Thirty minutes (AXES_COOLOFF_TIME) without a failure: the address may try again.
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
        attempt.save()
    signed_in = client.post(
        "/sign-in/", {"email": real[0].email, "password": TEST_PASSWORD}, REMOTE_ADDR=SPRAYER
    )
    assert signed_in.status_code == 302


def test_behind_a_trusted_proxy_each_client_is_counted_by_its_own_address(settings):
    """With TRUSTED_PROXY_COUNT=1 every request comes from the proxy (one REMOTE_ADDR); the
    proxy appends the client's address to X-Forwarded-For. A client who locks an account out
    for themselves does not lock it out for the account's owner behind the same proxy, and
    what the client writes in the header themselves does not let them out."""
    settings.TRUSTED_PROXY_COUNT = 1
    user = MembershipFactory().user
    attacker, owner = Client(), Client()
    for n in range(5):
        attacker.post(
            "/sign-in/",
            {"email": user.email, "password": f"wrong {n}"},
            REMOTE_ADDR=PROXY,
            headers={"X-Forwarded-For": "198.51.100.1"},
        )

    locked = attacker.post(
        "/sign-in/",
        {"email": user.email, "password": TEST_PASSWORD},
        REMOTE_ADDR=PROXY,
        # What the attacker sent, then the address the proxy saw.
        headers={"X-Forwarded-For": "198.51.100.99, 198.51.100.1"},
    )
    assert locked.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.1"}

    signed_in = owner.post(
        "/sign-in/",
        {"email": user.email, "password": TEST_PASSWORD},
        REMOTE_ADDR=PROXY,
        headers={"X-Forwarded-For": "198.51.100.2"},
    )
    assert signed_in.status_code == 302


def test_behind_a_trusted_proxy_a_sprayer_does_not_lock_out_the_other_clients(
    settings, fifty_names
):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 20
    real, names = fifty_names
    behind_proxy = {"REMOTE_ADDR": PROXY}

    statuses = spray(Client(), names, 25, **behind_proxy, headers={"X-Forwarded-For": SPRAYER})
    assert statuses[-1] == 429

    signed_in = Client().post(
        "/sign-in/",
        {"email": real[1].email, "password": TEST_PASSWORD},
        **behind_proxy,
        headers={"X-Forwarded-For": "198.51.100.2"},
    )
    assert signed_in.status_code == 302


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_escape_the_lockout(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    user = MembershipFactory().user
    client = Client()
    for n in range(5):
        client.post(
            "/sign-in/",
            {"email": user.email, "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            headers={"X-Forwarded-For": f"192.0.2.{n}"},
        )

    locked = client.post(
        "/sign-in/",
        {"email": user.email, "password": TEST_PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        headers={"X-Forwarded-For": "192.0.2.200"},
    )
    assert locked.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.1"}


@pytest.mark.parametrize(
    ("trusted", "forwarded_for", "expected"),
    [
        (0, "192.0.2.1", "10.0.0.9"),  # no proxy: the header is the client's own words
        (1, None, "10.0.0.9"),  # not through the proxy
        (1, "192.0.2.1", "192.0.2.1"),
        (1, " 198.51.100.7 ,192.0.2.1 ", "192.0.2.1"),
        (2, "198.51.100.7, 192.0.2.1", "198.51.100.7"),
        (2, "192.0.2.1", "10.0.0.9"),  # fewer addresses than proxies
        (3, "a, b, 198.51.100.7, 192.0.2.1, 203.0.113.5", "198.51.100.7"),
        (1, "192.0.2.1, not-an-address", "10.0.0.9"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_read_as_far_as_trusted_proxies_wrote_it(
    settings, trusted, forwarded_for, expected
):
    settings.TRUSTED_PROXY_COUNT = trusted
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else {}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", headers=headers)
    assert client_address(request) == expected
