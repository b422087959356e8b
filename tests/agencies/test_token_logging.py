"""Tokens never reach a log: the service run by gunicorn as the Dockerfile runs it, an invitation
link followed, and gunicorn's access log read back."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.core import mail

from agencies import services
from agencies.models import Role
from tests.conftest import ROOT, database_url_of_test_database
from tests.factories import AgencyFactory, MembershipFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.server]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_an_invitation_token_is_not_in_gunicorns_access_log(tmp_path):
    agency = AgencyFactory()
    admin = MembershipFactory(role=Role.ADMINISTRATOR, agency=agency).user
    services.user_invite(
        email="token.check@agency.example",
        full_name="Token Check",
        agency=agency,
        role=Role.FRONTLINE,
        by=admin,
    )
    (email,) = [m for m in mail.outbox if m.to == ["token.check@agency.example"]]
    path = re.search(r"https?://[^/]+(/password/link/\?key=\S+)", email.body).group(1)
    token = path.split("key=")[1].split(".")[1]

    port = free_port()
    log = tmp_path / "access.log"
    env = os.environ | {
        "DEBUG": "false",
        "DEMO_MODE": "false",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_MANIFEST": "false",
        "DATABASE_URL": database_url_of_test_database(),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--config", "config/gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", str(log)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as answer:
            opener.open(f"http://127.0.0.1:{port}{path}", timeout=30)
        assert answer.value.code == 302
        assert answer.value.headers["Location"] == "/password/new/"
        deadline = time.monotonic() + 10
        while "/password/link/" not in (log.read_text() if log.exists() else ""):
            assert time.monotonic() < deadline, "nothing was logged"
            time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=20)

    written = log.read_text()
    assert '"GET /password/link/" 302' in written
    assert token not in written
    assert "key=" not in written
