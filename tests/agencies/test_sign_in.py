from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory, enrol_totp, totp_code

pytestmark = pytest.mark.django_db


def test_pages_other_than_sign_in_redirect_anonymous_users_to_sign_in(client):
    """Every page needs a signed-in user unless it is marked public."""
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/"


def test_sign_in_with_password_and_code_opens_the_home_page(client):
    """A member signs in with e-mail, password and app code, and sees their agency and role."""
    membership = MembershipFactory(agency__name="Southport Health", role="supervisor")
    device = enrol_totp(membership.user)

    response = client.post(
        "/sign-in/", {"email": membership.user.email.upper(), "password": TEST_PASSWORD}
    )
    assert response["Location"] == "/two-factor/verify/"
    # Nothing but the second factor is reachable until the code is given.
    assert client.get("/")["Location"] == "/two-factor/verify/"
    response = client.post("/two-factor/verify/", {"code": totp_code(device)})
    assert response["Location"] == "/"

    home = client.get("/").content.decode()
    assert "Southport Health" in home
    assert "Supervisor" in home


@pytest.mark.parametrize(
    ("email", "password"),
    [("known", "wrong password"), ("nobody@agency.example", TEST_PASSWORD)],
)
def test_a_failed_sign_in_says_the_same_thing_whoever_the_address_belongs_to(
    client, email, password
):
    """Unknown address and wrong password get one message, so accounts cannot be discovered."""
    user = UserFactory()
    response = client.post(
        "/sign-in/", {"email": user.email if email == "known" else email, "password": password}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter the e-mail address and password of an active account" in page
    assert "_auth_user_id" not in client.session


def test_an_inactive_user_cannot_sign_in(client):
    user = UserFactory()
    user.is_active = False
    user.save()
    response = client.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})
    assert "Enter the e-mail address and password of an active account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_missing_fields_are_named_in_the_error_summary(client):
    response = client.post("/sign-in/", {"email": "", "password": ""})
    page = response.content.decode()
    assert '<a href="#id_email">Enter your e-mail address</a>' in page
    assert '<a href="#id_password">Enter your password</a>' in page


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(client):
    user = MembershipFactory().user
    device = enrol_totp(user)
    data = {"email": user.email, "password": TEST_PASSWORD}

    client.post("/sign-in/?next=/", {**data, "next": "/privacy/"})
    response = client.post("/two-factor/verify/", {"code": totp_code(device)})
    assert response["Location"] == "/privacy/"

    client.logout()
    client.post("/sign-in/", {**data, "next": "https://evil.example/"})
    response = client.post("/two-factor/verify/", {"code": totp_code(device, steps_ahead=1)})
    assert response["Location"] == "/"


def test_sign_out_needs_a_post_and_ends_the_session(client):
    sign_in(client, MembershipFactory().user)
    assert client.get("/sign-out/").status_code == 405
    response = client.post("/sign-out/")
    assert response["Location"] == "/sign-in/"
    assert client.get("/").status_code == 302


def test_the_session_ends_twelve_hours_after_sign_in_however_active(client, settings):
    sign_in(client, MembershipFactory().user)
    session = client.session
    session["session_started_at"] -= settings.SESSION_ABSOLUTE_AGE + 1
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_every_request_renews_a_thirty_minute_idle_expiry(client):
    sign_in(client, MembershipFactory().user)
    client.get("/")
    stored = Session.objects.get(session_key=client.session.session_key)
    assert timedelta(minutes=29) < stored.expire_date - timezone.now() <= timedelta(minutes=30)

    # Thirty idle minutes later the session is gone.
    Session.objects.filter(pk=stored.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/").status_code == 302


def test_passwords_are_stored_with_argon2id_and_older_hashes_are_upgraded_at_sign_in(
    client, settings
):
    """With the production hashers, a password hashed by PBKDF2 still signs in, and the stored
    hash becomes Argon2id (19 MiB, two passes, one lane) once the password has been checked."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher, identify_hasher

    from config import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    membership = MembershipFactory()
    user = membership.user
    user.password = PBKDF2PasswordHasher().encode(TEST_PASSWORD, PBKDF2PasswordHasher().salt())
    user.save(update_fields=["password"])
    enrol_totp(user)

    response = client.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})

    assert response["Location"] == "/two-factor/verify/"
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "argon2"
    assert "$argon2id$v=19$m=19456,t=2,p=1$" in user.password
    assert user.check_password(TEST_PASSWORD)
