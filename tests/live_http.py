"""Real HTTP requests to the live test server, for tests where requests must run in parallel
(each in its own server thread with its own database connection), and a form reader that fills
in a form as the browser would send it."""

from __future__ import annotations

import http.client
import threading
import time
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import psycopg
from django.db import connection
from django.test import Client

from tests.conftest import sign_in


class FormReader(HTMLParser):
    """The fields of each POST form of a page, with the values a browser would send: text
    inputs, checked boxes and radios, textareas and each select's selected option."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self.fields: dict[str, str] = {}
        self.in_form = False
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.in_form, self.fields = True, {}
            self.forms.append(self.fields)
        if not self.in_form:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button"):
                self.fields[a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self.textarea = a.get("name")
            self.fields[self.textarea] = ""
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
            self.fields.setdefault(self.select, "")
        elif tag == "option" and self.select and "selected" in a:
            self.fields[self.select] = a.get("value") or ""

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None


def form_of(html: str) -> dict[str, str]:
    """The page's main form: the POST form with the most fields (not, say, sign-out's)."""
    reader = FormReader()
    reader.feed(html)
    return max(reader.forms, key=len, default={})


class LiveSession:
    """A person signed in (password and code, through the test client) whose requests go over
    HTTP to the live server."""

    def __init__(self, live_server, user) -> None:
        client = sign_in(Client(), user)
        self.cookies = {name: morsel.value for name, morsel in client.cookies.items()}
        self.host, self.port = urlsplit(live_server.url).hostname, urlsplit(live_server.url).port

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Origin": f"http://{self.host}:{self.port}",
        }
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read().decode()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, content, response.headers.get("Location", "")

    def form(self, path: str) -> dict[str, str]:
        status, content, _ = self.request("GET", path)
        assert status == 200, content[:500]
        return form_of(content)


def database_connection() -> psycopg.Connection:
    """A connection of the test's own to the test database, outside Django's."""
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        autocommit=False,
    )


def run_together_behind_a_row_lock(
    table: str, pk: int, requests: list, *, change: str | None = None
) -> list:
    """Send every request at once while this test holds the row's lock, wait until all of them
    are queued on it inside the server, then let them go: they are certain to overlap. With
    `change` (an UPDATE of that row), the holder commits it first, as a colleague's save that
    lands after the requests read the row and before they lock it."""
    results: list = [None] * len(requests)

    def send(i: int) -> None:
        results[i] = requests[i]()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
    with database_connection() as holder, database_connection() as watcher:
        watcher.autocommit = True
        holder.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", [pk])  # noqa: S608
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()[0]
            if waiting >= len(requests) or not any(t.is_alive() for t in threads):
                break
            time.sleep(0.05)
        if change:
            holder.execute(change, [pk])
            holder.commit()
        else:
            holder.rollback()
    for thread in threads:
        thread.join(60)
    assert waiting >= len(requests), f"The requests did not all wait on the lock: {results}"
    return results
