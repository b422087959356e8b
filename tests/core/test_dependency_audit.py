"""The dependency audit of `.ci/run` (`.ci/audit.py`), against a local server that answers as
PyPI's JSON API (`/pypi/<name>/<version>/json`, with `vulnerabilities`) and the npm registry's
bulk advisory endpoint (`POST /-/npm/v1/security/advisories/bulk`) define their answers: the
real services cannot be reached from the build machine."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.conftest import ROOT

VULNERABLE = ("django", "GHSA-test-0001")


class Advisories(BaseHTTPRequestHandler):
    seen: list[str] = []

    def log_message(self, *args) -> None:
        pass

    def _json(self, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        parts = self.path.strip("/").split("/")
        assert len(parts) == 4, self.path
        assert (parts[0], parts[3]) == ("pypi", "json"), self.path
        self.seen.append(self.path)
        vulns = []
        if parts[1] == VULNERABLE[0]:
            vulns = [{"id": VULNERABLE[1], "summary": "Test advisory", "withdrawn": None}]
        self._json({"info": {"name": parts[1], "version": parts[2]}, "vulnerabilities": vulns})

    def do_POST(self) -> None:
        assert self.path == "/-/npm/v1/security/advisories/bulk", self.path
        assert self.headers["content-type"] == "application/json"
        asked = json.loads(self.rfile.read(int(self.headers["content-length"])))
        assert "govuk-frontend" in asked
        assert all(isinstance(versions, list) for versions in asked.values())
        self._json({})


def audit(tmp_path, accepted: str = "", **env) -> subprocess.CompletedProcess:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Advisories)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    (tmp_path / "accepted.txt").write_text(accepted)
    try:
        return subprocess.run(
            [sys.executable, ".ci/audit.py"],
            cwd=ROOT,
            env={
                "PATH": "/usr/bin:/bin",
                "AUDIT_PYPI_URL": f"{url}/pypi",
                "AUDIT_NPM_URL": url,
                "AUDIT_ACCEPTED": str(tmp_path / "accepted.txt"),
                **env,
            },
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        server.shutdown()


def test_a_known_vulnerability_fails_the_audit_until_it_is_accepted_with_a_reason(tmp_path):
    found = audit(tmp_path)
    assert found.returncode == 1, found.stdout + found.stderr
    assert "VULNERABLE  GHSA-test-0001 django==" in found.stdout

    accepted = audit(tmp_path, "GHSA-test-0001  Not reachable: we never use the affected API\n")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "accepted  GHSA-test-0001" in accepted.stdout

    no_reason = audit(tmp_path, "GHSA-test-0001\n")
    assert no_reason.returncode != 0
    assert "needs a reason" in no_reason.stdout + no_reason.stderr


def test_unreachable_advisory_data_is_said_and_fails_only_where_required(tmp_path):
    closed = {"AUDIT_PYPI_URL": "http://127.0.0.1:9/pypi", "AUDIT_NPM_URL": "http://127.0.0.1:9"}
    told = audit(tmp_path, **closed)
    assert "NOT CHECKED  Python packages" in told.stdout
    assert "NOT CHECKED  npm packages" in told.stdout
    assert told.returncode == 0
    assert audit(tmp_path, AUDIT_REQUIRED="true", **closed).returncode == 1
