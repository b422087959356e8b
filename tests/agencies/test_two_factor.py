import re
import time

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory, totp_code

pytestmark = pytest.mark.django_db


def test_first_sign_in_sets_up_an_authenticator_before_anything_else(client):
    """A user without an authenticator is taken to set one up, and cannot go around it."""
    user = MembershipFactory().user
    response = client.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})
    assert response["Location"] == "/two-factor/set-up/"
    assert client.get("/")["Location"] == "/two-factor/set-up/"

    page = client.get("/two-factor/set-up/").content.decode()
    assert "<svg" in page
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7]+)<', page).group(1)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert len(secret) >= 16

    wrong = client.post("/two-factor/set-up/", {"code": "000000"})
    assert "The code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    # A wrong code makes the next try wait (django-otp's throttling), even with a right code.
    throttled = client.post("/two-factor/set-up/", {"code": totp_code(device)})
    assert "Too many wrong codes" in throttled.content.decode()
    time.sleep(1.1)

    response = client.post("/two-factor/set-up/", {"code": totp_code(device)})
    # The recovery codes are shown once, in this answer, then the person goes on.
    page = response.content.decode()
    assert response.status_code == 200
    assert len(re.findall(r"<code>[A-Z2-9]{5}(?:-[A-Z2-9]{5}){4}</code>", page)) == 10
    assert 'href="/"' in page
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get("/").status_code == 200


def test_a_code_is_refused_when_it_is_not_digits(client):
    user = MembershipFactory().user
    client.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})
    response = client.post("/two-factor/set-up/", {"code": "abcdef"})
    assert "The code is not right" in response.content.decode()
    response = client.post("/two-factor/set-up/", {"code": ""})
    assert "Enter the 6-digit code from your authenticator app" in response.content.decode()


def test_demo_mode_skips_the_second_factor_for_demo_accounts_only(client, settings):
    settings.DEMO_MODE = True
    demo = MembershipFactory(user=UserFactory(email="frontline@police.demo.example")).user
    response = client.post("/sign-in/", {"email": demo.email, "password": TEST_PASSWORD})
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200

    real = Client()
    user = MembershipFactory().user
    response = real.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})
    assert response["Location"] == "/two-factor/set-up/"
    assert real.get("/")["Location"].startswith("/two-factor/")


def test_a_code_is_accepted_only_once(client):
    """A code seen over someone's shoulder, or replayed, opens nothing (OWASP ASVS 5.0 V6.5.1)."""
    from tests.factories import enrol_totp

    user = MembershipFactory().user
    device = enrol_totp(user)
    code = totp_code(device)
    client.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})
    assert client.post("/two-factor/verify/", {"code": code})["Location"] == "/"
    replay = Client()
    replay.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})
    refused = replay.post("/two-factor/verify/", {"code": code})
    assert "The code is not right" in refused.content.decode()
    assert replay.get("/")["Location"] == "/two-factor/verify/"
