"""New passwords are refused when easy to guess (zxcvbn), with the reason, and, where a Pwned
Passwords range API is configured, when seen in a breach."""

from __future__ import annotations

import hashlib
import html
import logging
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth import password_validation
from django.core import mail
from django.core.exceptions import ValidationError

from agencies.models import Role, User
from agencies.passwords import personal_parts
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, AgencyFactory, PartnershipFactory, member

pytestmark = pytest.mark.django_db

STRONG = "orchard velvet compass tide"
TOO_EASY = "This password is too easy to guess"


@pytest.fixture
def invitation(client, django_capture_on_commit_callbacks) -> tuple[User, str]:
    """Sam Carter, invited by an administrator, and the address of the set-password form the
    link in the e-mail leads to (as in tests/agencies/test_administration.py); the
    administrator is signed out again."""
    agency = AgencyFactory(partnerships=[PartnershipFactory()])
    sign_in(client, member(Role.ADMINISTRATOR, agency))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/administration/users/new/",
            {
                "full_name": "Sam Carter",
                "email": "sam.carter@csc.example",
                "agency": agency.pk,
                "role": "frontline",
            },
        )
    (email,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/\S+)", email.body).group(1)
    client.post("/sign-out/")
    # The link may send the browser on to the form (keeping the token off the address bar).
    opened = client.get(link)
    form = opened["Location"] if opened.status_code == 302 else link
    assert client.get(form).status_code == 200
    return User.objects.get(email="sam.carter@csc.example"), form


def set_password(client, link: str, password: str):
    return client.post(link, {"password": password, "confirm": password})


def error_summary(response) -> str:
    page = response.content.decode()
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', page, re.S)
    assert summary, "the form was not refused"
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", summary.group(1))))


@pytest.mark.parametrize(
    ("password", "why"),
    [
        # Found accepted in the review: 12 characters, upper, lower, digits and a symbol.
        ("Password123!", "this is similar to a commonly used password"),
        # The person's own name and a year: zxcvbn alone scores it 3, but not for a guesser
        # who knows whose account it is.
        ("SamCarter2024!", "it is built on your name or e-mail address"),
    ],
)
def test_weak_passwords_are_refused_at_the_invitation_with_the_reason(
    client, invitation, password, why
):
    user, link = invitation

    response = set_password(client, link, password)

    assert response.status_code == 200
    errors = error_summary(response)
    assert f"{TOO_EASY}: {why}" in errors
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_password_123_says_how_to_do_better(client, invitation):
    _, link = invitation
    errors = error_summary(set_password(client, link, "Password123!"))
    assert "Add another word or two. Uncommon words are better." in errors
    assert "Capitalization doesn't help very much." in errors


@pytest.mark.parametrize("password", [STRONG, TEST_PASSWORD, "long enough pass phrase"])
def test_a_strong_passphrase_is_accepted_at_the_invitation(client, invitation, password):
    user, link = invitation

    response = set_password(client, link, password)

    assert response["Location"] == "/sign-in/?password-set=1"
    user.refresh_from_db()
    assert user.check_password(password)


def test_a_passphrase_that_only_mentions_the_name_is_accepted():
    """The name is discounted, not forbidden: what is left must be strong on its own."""
    user = User(email="sam.carter@csc.example", full_name="Sam Carter")
    password_validation.validate_password(f"Sam {STRONG}", user)
    with pytest.raises(ValidationError, match="built on your name"):
        password_validation.validate_password("carter.sam.csc.example", user)


def test_the_name_and_email_are_given_to_zxcvbn_in_parts():
    user = User(email="sam.o-neill@north.police.example", full_name="Sam O'Neill")
    assert personal_parts(user) == sorted(
        {"sam o'neill", "sam.o-neill@north.police.example", "sam.o-neill", "sam", "neill"}
        | {"north", "police", "example"}
    )


def test_passwords_longer_than_zxcvbn_takes_are_estimated_by_their_start():
    password_validation.validate_password(f"{STRONG} " * 5)
    with pytest.raises(ValidationError, match=TOO_EASY):
        password_validation.validate_password("a" * 200)


# --- Pwned Passwords (optional, PWNED_PASSWORDS_URL) ---------------------------------------

BREACHED = "marble kettle umbrella sunrise"  # strong to zxcvbn, but in this server's breaches


def sha1(password: str) -> str:
    return hashlib.sha1(password.encode()).hexdigest().upper()  # noqa: S324


class RangeAPI(BaseHTTPRequestHandler):
    """The Pwned Passwords range API as its documentation defines it: GET /range/{the first
    5 hex characters of the SHA-1}, answered with `SUFFIX:COUNT` lines (the other 35 upper-case
    hex characters and how often it was seen); with `Add-Padding: true`, padded with random
    suffixes whose count is 0. Anything else is a 400, as from the real API."""

    breached: dict[str, int] = {}
    requests: list[dict] = []

    def do_GET(self) -> None:
        self.requests.append({"path": self.path, "headers": dict(self.headers)})
        match = re.fullmatch(r"/range/([0-9A-F]{5})", self.path)
        if match is None:
            self.send_error(400, "The hash prefix was not in a valid format")
            return
        prefix = match.group(1)
        lines = [f"{h[5:]}:{n}" for h, n in self.breached.items() if h.startswith(prefix)]
        if self.headers.get("Add-Padding") == "true":
            padding = hashlib.sha1(prefix.encode()).hexdigest().upper()  # noqa: S324
            lines += [f"{padding[:30]}{n:05X}:0" for n in range(800)]
            # Padding may happen to carry the suffix asked about: its count 0 means not seen.
            lines += [f"{sha1(STRONG)[5:]}:0"]
        body = "\r\n".join(lines).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.requests.append({"path": self.path, "method": "POST"})
        self.send_error(405)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def range_api(settings):
    """A local Pwned Passwords range API knowing one breached password, and the requests it
    received; PWNED_PASSWORDS_URL points at it."""
    handler = type("Handler", (RangeAPI,), {"breached": {sha1(BREACHED): 3_861}, "requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.PWNED_PASSWORDS_URL = f"http://127.0.0.1:{server.server_port}/"
    yield handler
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_a_breached_password_is_refused_at_the_invitation(client, invitation, range_api):
    user, link = invitation

    response = set_password(client, link, BREACHED)

    assert "This password has appeared in a data breach" in error_summary(response)
    user.refresh_from_db()
    assert not user.has_usable_password()
    # Asked as the API defines: the first five characters of the SHA-1, upper case, padded.
    (asked,) = range_api.requests
    assert asked["path"] == f"/range/{sha1(BREACHED)[:5]}"
    assert asked["headers"]["Add-Padding"] == "true"
    # Neither the password nor the rest of its hash left the server.
    sent = repr(asked)
    assert BREACHED not in sent
    assert sha1(BREACHED)[5:] not in sent


def test_a_password_not_in_any_breach_is_accepted_even_when_padding_names_it(
    client, invitation, range_api
):
    user, link = invitation

    response = set_password(client, link, STRONG)

    assert response["Location"] == "/sign-in/?password-set=1"
    user.refresh_from_db()
    assert user.check_password(STRONG)
    assert [r["path"] for r in range_api.requests] == [f"/range/{sha1(STRONG)[:5]}"]


def test_no_request_is_made_unless_the_api_is_configured(settings, range_api):
    settings.PWNED_PASSWORDS_URL = ""
    password_validation.validate_password(BREACHED)
    assert range_api.requests == []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("answer", ["refused", "error", "nonsense"])
def test_the_breach_check_fails_open_with_a_log_line_without_the_password(
    settings, range_api, caplog, answer
):
    if answer == "refused":
        settings.PWNED_PASSWORDS_URL = f"http://127.0.0.1:{free_port()}"
    elif answer == "error":  # the server answers 400 to this path
        settings.PWNED_PASSWORDS_URL += "not-the-api"
    else:
        range_api.breached = {sha1(BREACHED): "many"}

    with caplog.at_level(logging.WARNING, logger="agencies.passwords"):
        password_validation.validate_password(BREACHED)

    (line,) = [r.getMessage() for r in caplog.records if r.name == "agencies.passwords"]
    assert "Pwned Passwords range check failed" in line
    assert BREACHED not in line
    assert sha1(BREACHED)[:5] not in line
