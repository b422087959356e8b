"""Changing a password, resetting a forgotten one, recovery codes for a lost authenticator, and
an administrator's reset of it: each asks for the second factor afterwards, and each is logged
and told to the agency's CSE leads where it changes who may sign in."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import AccessLogEntry, RecoveryCode, Role
from core.models import Task
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, AgencyFactory, MembershipFactory, enrol_totp, totp_code

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "quartz meadow lantern orbit"


def codes_of(response) -> list[str]:
    return re.findall(r"<code>([A-Z2-9]{5}(?:-[A-Z2-9]{5}){4})</code>", response.content.decode())


def set_up_with_codes(client: Client, user) -> list[str]:
    """First sign-in: password, a new authenticator, and the recovery codes shown once."""
    client.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})
    client.get("/two-factor/set-up/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return codes_of(client.post("/two-factor/set-up/", {"code": totp_code(device)}))


def test_a_recovery_code_replaces_a_lost_authenticator_once(client):
    agency = AgencyFactory()
    lead = MembershipFactory(role=Role.CSE_LEAD, agency=agency)
    user = MembershipFactory(agency=agency).user
    codes = set_up_with_codes(client, user)
    assert len(codes) == len(set(codes)) == 10
    # Only digests are kept.
    stored = set(RecoveryCode.objects.filter(user=user).values_list("digest", flat=True))
    assert not {code.replace("-", "") for code in codes} & stored

    phone_lost = Client()
    phone_lost.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})
    assert phone_lost.get("/")["Location"] == "/two-factor/verify/"
    wrong = phone_lost.post("/two-factor/recovery/", {"code": "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE"})
    assert "The recovery code is not right" in wrong.content.decode()
    # Typed in lower case with spaces, as people do.
    typed = codes[3].lower().replace("-", " ")
    response = phone_lost.post("/two-factor/recovery/", {"code": typed})
    assert response["Location"] == "/two-factor/set-up/"
    # A new authenticator is set up before anything else opens; the lost one goes with it.
    lost = TOTPDevice.objects.get(user=user, confirmed=True)
    assert phone_lost.get("/")["Location"] == "/two-factor/set-up/"
    phone_lost.get("/two-factor/set-up/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    after = phone_lost.post("/two-factor/set-up/", {"code": totp_code(device)})
    assert after["Location"] == "/"  # the nine codes left still hold; none are shown again
    assert phone_lost.get("/").status_code == 200
    assert list(TOTPDevice.objects.filter(user=user)) == [device]
    assert not TOTPDevice.objects.filter(pk=lost.pk).exists()

    again = Client()
    again.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})
    used = again.post("/two-factor/recovery/", {"code": codes[3]})
    assert "has been used already" in used.content.decode()
    assert AccessLogEntry.objects.filter(
        action="account", record_id=user.public_id, detail__change="recovery_code_used"
    ).exists()
    task = Task.objects.get(agency=agency, role=Role.CSE_LEAD, kind="account_changed")
    assert task.subject["change"] == "recovery_code_used"
    assert (
        user.full_name
        in sign_in(Client(), lead.user).get(f"/tasks/{task.public_id}/").content.decode()
    )
    assert AccessLogEntry.objects.filter(
        action="account", record_id=user.public_id, detail__change="authenticator_replaced"
    ).exists()


def test_a_recovery_code_abandoned_half_way_leaves_the_old_authenticator(client):
    """Using a code and leaving before the new authenticator is confirmed must not let whoever
    next has the password enrol their own."""
    user = MembershipFactory().user
    set_up_with_codes(client, user)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    codes = set_up_with_codes(Client(), MembershipFactory().user)  # someone else's, unused here
    assert codes
    own_codes = client.post("/account/recovery-codes/")
    code = codes_of(own_codes)[0]
    half_way = Client()
    half_way.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})
    assert half_way.post("/two-factor/recovery/", {"code": code})["Location"] == (
        "/two-factor/set-up/"
    )
    # They leave. Whoever signs in next with the password is asked for the old code.
    attacker = Client()
    attacker.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})
    assert attacker.get("/")["Location"] == "/two-factor/verify/"
    assert attacker.get("/two-factor/set-up/")["Location"] == "/two-factor/verify/"
    assert TOTPDevice.objects.filter(pk=device.pk, confirmed=True).exists()


def test_new_recovery_codes_replace_the_old_set_after_confirming_identity(client):
    user = MembershipFactory().user
    old = set_up_with_codes(client, user)
    response = client.post("/account/recovery-codes/")
    new = codes_of(response)
    assert len(new) == 10
    assert not set(new) & set(old)
    assert RecoveryCode.objects.filter(user=user).count() == 10

    session = client.session
    session["reauthenticated_at"] = time.time() - 3600
    session.save()
    stale = client.post("/account/recovery-codes/")
    assert stale["Location"].startswith("/confirm-identity/?next=")


def test_changing_the_password_needs_the_identity_confirmed_and_ends_other_sessions(client):
    user = MembershipFactory().user
    other_browser = sign_in(Client(), user)
    sign_in(client, user)
    session = client.session
    session["reauthenticated_at"] = time.time() - 3600
    session.save()
    assert client.get("/account/password/")["Location"].startswith("/confirm-identity/")
    # Confirmed again (the confirmation itself is tests/agencies/test_reauthentication.py).
    session["reauthenticated_at"] = time.time()
    session.save()

    weak = client.post("/account/password/", {"password": "short", "confirm": "short"})
    assert "at least 12 characters" in weak.content.decode()
    response = client.post(
        "/account/password/", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response["Location"] == "/account/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 200  # this session goes on
    assert other_browser.get("/")["Location"].startswith("/sign-in/")
    assert AccessLogEntry.objects.filter(
        user=user, action="account", detail__change="password_changed"
    ).exists()


def test_a_forgotten_password_is_reset_by_a_link_and_the_second_factor_still_asked(
    client, django_capture_on_commit_callbacks
):
    user = MembershipFactory().user
    device = enrol_totp(user)
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post("/password/forgotten/", {"email": "nobody@agency.example"})
        known = client.post("/password/forgotten/", {"email": user.email.upper()})
    # The same answer whether or not the address has an account.
    assert unknown.content.decode().replace("csrf", "") == known.content.decode().replace(
        "csrf", ""
    )
    (email,) = mail.outbox
    assert email.to == [user.email]
    assert user.full_name not in email.body
    link = re.search(r"http://127\.0\.0\.1:8000(/password/link/\?key=\S+)", email.body).group(1)

    assert client.get(link)["Location"] == "/password/new/"
    response = client.post("/password/new/", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response["Location"] == "/sign-in/?password-set=1"
    # Not signed in by the link: the password, then the code.
    assert client.get("/")["Location"].startswith("/sign-in/")
    step = client.post("/sign-in/", {"email": user.email, "password": NEW_PASSWORD})
    assert step["Location"] == "/two-factor/verify/"
    assert client.get("/")["Location"] == "/two-factor/verify/"
    client.post("/two-factor/verify/", {"code": totp_code(device)})
    assert client.get("/").status_code == 200
    # The link works once.
    assert Client().get(link).status_code == 404
    # A form anyone can post sends at most three links an hour to one account.
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            client.post("/password/forgotten/", {"email": user.email})
    assert len(mail.outbox) == 3


def test_the_session_id_changes_when_the_second_factor_completes(client, settings):
    cookie = settings.SESSION_COOKIE_NAME
    user = MembershipFactory().user
    device = enrol_totp(user)
    client.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})
    after_password = client.cookies[cookie].value
    client.post("/two-factor/verify/", {"code": totp_code(device)})
    after_code = client.cookies[cookie].value
    assert after_code != after_password
    # The id learnt between the two steps opens nothing.
    thief = Client()
    thief.cookies[cookie] = after_password
    assert thief.get("/")["Location"].startswith("/sign-in/")


def test_wrong_codes_are_in_the_access_log(client):
    user = MembershipFactory().user
    enrol_totp(user)
    client.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})
    client.post("/two-factor/verify/", {"code": "000000"})
    entry = AccessLogEntry.objects.get(action="sign_in", user=user)
    assert entry.detail == {"change": "wrong_code"}
    assert entry.record_id == user.public_id


def test_an_administrator_resets_a_lost_authenticator_and_the_cse_lead_is_told(client):
    agency = AgencyFactory()
    admin = MembershipFactory(role=Role.ADMINISTRATOR, agency=agency).user
    MembershipFactory(role=Role.CSE_LEAD, agency=agency)
    user = MembershipFactory(agency=agency).user
    their_browser = sign_in(Client(), user)
    sign_in(client, admin)

    missing = client.post(f"/administration/users/{user.public_id}/two-factor-reset/", {})
    assert "Enter why the authenticator is reset" in missing.content.decode()
    response = client.post(
        f"/administration/users/{user.public_id}/two-factor-reset/",
        {"reset-reason": "Phone lost, confirmed by telephone"},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert their_browser.get("/")["Location"].startswith("/sign-in/")
    entry = AccessLogEntry.objects.get(action="account", detail__change="two_factor_reset")
    assert (entry.user, entry.record_id, entry.record_agency) == (admin, user.public_id, agency)
    assert entry.reason == "Phone lost, confirmed by telephone"
    task = Task.objects.get(agency=agency, role=Role.CSE_LEAD, kind="account_changed")
    assert user.full_name not in task.title

    # The person signs in with their password and sets up a new authenticator.
    fresh = Client()
    step = fresh.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})
    assert step["Location"] == "/two-factor/set-up/"

    # Nobody resets their own.
    own = client.post(
        f"/administration/users/{admin.public_id}/two-factor-reset/", {"reset-reason": "Mine"}
    )
    assert "You cannot change your own" in own.content.decode()


def test_links_in_e_mails_come_from_site_url_not_the_requests_host(
    client, settings, django_capture_on_commit_callbacks
):
    """A forged Host header must not turn a reset or an invitation into a link elsewhere."""
    settings.SITE_URL = "https://cse.partnership.example"
    settings.ALLOWED_HOSTS = ["*"]
    user = MembershipFactory().user
    admin = MembershipFactory(role=Role.ADMINISTRATOR).user
    sign_in(client, admin)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/password/forgotten/", {"email": user.email}, HTTP_HOST="attacker.example")
        client.post(
            "/administration/users/new/",
            {
                "full_name": "Ines Harrow",
                "email": "ines@agency.example",
                "agency": admin.memberships.get().agency_id,
                "role": Role.FRONTLINE,
            },
            HTTP_HOST="attacker.example",
        )
    bodies = [m.body for m in mail.outbox]
    assert len(bodies) == 2
    for body in bodies:
        assert "attacker.example" not in body
        assert "https://cse.partnership.example/password/link/?key=" in body


def test_a_completed_sign_in_is_in_the_access_log(client):
    """Who signed in and when (OWASP ASVS 5.0 V16.3.1); the password stage alone is not one."""
    user = MembershipFactory().user
    device = enrol_totp(user)
    client.post("/sign-in/", {"email": user.email, "password": TEST_PASSWORD})
    assert not AccessLogEntry.objects.filter(action="signed_in", user=user).exists()
    client.post("/two-factor/verify/", {"code": totp_code(device)})
    entry = AccessLogEntry.objects.get(action="signed_in", user=user)
    assert entry.agency_id == user.memberships.get().agency_id
    assert entry.detail == {}


def test_task_e_mails_link_to_site_url(settings, django_capture_on_commit_callbacks):
    """The e-mail of a task (written by the worker, with no request at all) links through
    SITE_URL and names nobody."""
    from core.services import task_create

    settings.SITE_URL = "https://cse.partnership.example"
    lead = MembershipFactory(role=Role.CSE_LEAD)
    with django_capture_on_commit_callbacks(execute=True):
        task = task_create(
            kind=Task.Kind.POSSIBLE_MATCH,
            agency_id=lead.agency_id,
            role=Role.CSE_LEAD,
            title="Possible match held by your agency",
            subject={},
        )
    (email,) = mail.outbox
    assert f"https://cse.partnership.example/tasks/{task.public_id}/" in email.body
    assert lead.user.full_name not in email.body
