"""A small HTTP client for the benchmark: keeps its own cookies (the server runs as production
does, with secure cookies, behind a pretend TLS proxy), fills CSRF tokens, and reads the
Server-Timing header the application adds when SERVER_TIMING is on."""

from __future__ import annotations

import http.client
import re
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlencode

from django_otp.oath import TOTP

from bench.synthetic import SYNTHETIC_PASSWORD, SYNTHETIC_TOTP_KEY

TOTP_STEP = 30  # seconds, RFC 6238's and django-otp's default


@dataclass
class Sample:
    page: str
    status: int
    client_ms: float
    server_ms: float
    db_ms: float
    queries: int
    slowest_ms: float


class FormFields(HTMLParser):
    """The fields of the page's first POST form that has a CSRF token and posts to the page
    itself, with their values. Every page's header holds the sign-out form, which posts
    elsewhere and comes first: taking it would post a CSRF token alone, and the page's own form
    would refuse it."""

    def __init__(self, path: str = "") -> None:
        super().__init__()
        self.path = path
        self.fields: dict[str, str] = {}
        self.in_form = self.done = False
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if (
            tag == "form"
            and (attributes.get("method") or "").lower() == "post"
            and (attributes.get("action") or "") in ("", self.path)
            and not self.done
        ):
            self.in_form, self.fields = True, {}
        elif self.in_form and tag == "input" and attributes.get("name"):
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            if kind != "submit":
                self.fields[attributes["name"]] = attributes.get("value") or ""
        elif self.in_form and tag == "textarea":
            self.textarea = attributes.get("name")
            self.fields[self.textarea] = ""
        elif self.in_form and tag == "select" and attributes.get("name"):
            self.fields.setdefault(attributes["name"], "")

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form = False
            self.done = "csrfmiddlewaretoken" in self.fields
        if tag == "textarea":
            self.textarea = None


class Client:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.forms: dict[str, dict[str, str]] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        # A failed request is sent again once on a new connection; the soak turns this off so
        # that a dropped connection counts as an error instead of being hidden.
        self.retry = True

    def request(self, page: str, method: str, path: str, data: dict | None = None) -> tuple:
        origin = f"https://127.0.0.1:{self.port}"
        headers = {
            "X-Forwarded-Proto": "https",
            "Origin": origin,
            "Referer": origin + path,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
            if not self.retry:
                raise
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        content = response.read().decode("utf-8", "replace")
        client_ms = (time.perf_counter() - started) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        timing = dict(
            re.findall(r"(\w+);(?:dur|desc)=([\d.]+)", response.headers.get("Server-Timing", ""))
        )
        sample = Sample(
            page=page,
            status=response.status,
            client_ms=client_ms,
            server_ms=float(timing.get("app", 0)),
            db_ms=float(timing.get("db", 0)),
            queries=int(float(timing.get("queries", 0))),
            slowest_ms=float(timing.get("slowest", 0)),
        )
        return sample, content, response.headers.get("Location", "")

    def form(self, path: str) -> dict[str, str]:
        _, content, _ = self.request("form", "GET", path)
        parser = FormFields(path)
        parser.feed(content)
        return parser.fields

    def sign_in(self, email: str) -> list[Sample]:
        """Password, then the authenticator code: the two steps a user takes."""
        fields = self.form("/sign-in/")
        password, _, location = self.request(
            "sign-in", "POST", "/sign-in/",
            fields | {"email": email, "password": SYNTHETIC_PASSWORD},
        )  # fmt: skip
        if password.status != 302:
            raise RuntimeError(f"Sign-in refused for {email} ({password.status})")
        verify_path = location or "/two-factor/verify/"
        samples = [password]
        for attempt in range(2):
            if attempt:
                # A code is accepted once: the user signed in during this 30-second step
                # already (an earlier run), so the next step's code is needed.
                time.sleep(TOTP_STEP + 1 - time.time() % TOTP_STEP)
            fields = self.form(verify_path)
            token = TOTP(bytes.fromhex(SYNTHETIC_TOTP_KEY), step=TOTP_STEP).token()
            verify, _, _ = self.request(
                "sign-in", "POST", verify_path, fields | {"code": f"{token:06d}"}
            )
            samples.append(verify)
            if verify.status == 302:
                return samples
        raise RuntimeError(f"Second factor refused for {email} ({verify.status})")
