#!/usr/bin/env python3
"""Dependency audit: every pinned Python package (requirements/*.lock) against PyPI's advisory
data, and every npm package (package-lock.json) against the npm registry's, with nothing but
the standard library. Fails on a known vulnerability unless its id is listed, with a reason,
in requirements/audit-accepted.txt (a reviewed file: one "ID  reason" per line).

Where the advisory services cannot be reached from this machine (a closed network or a proxy
that serves packages but not advisories), it says NOT CHECKED and which service, and fails only
when AUDIT_REQUIRED=true, so that a deployment that can reach them makes the audit binding.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Overridable so that the test suite can check the audit against a local server.
PYPI = os.environ.get("AUDIT_PYPI_URL", "https://pypi.org/pypi") + "/{name}/{version}/json"
NPM_BULK = (
    os.environ.get("AUDIT_NPM_URL", "https://registry.npmjs.org")
    + "/-/npm/v1/security/advisories/bulk"
)
TIMEOUT = 20


class Unreachable(Exception):
    pass


def accepted() -> dict[str, str]:
    path = Path(os.environ.get("AUDIT_ACCEPTED", ROOT / "requirements" / "audit-accepted.txt"))
    if not path.exists():
        return {}
    rows = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            advisory, _, reason = line.partition(" ")
            if not reason.strip():
                sys.exit(f"audit-accepted.txt: {advisory} needs a reason")
            rows[advisory] = reason.strip()
    return rows


def python_pins() -> dict[str, str]:
    pins = {}
    for lock in (ROOT / "requirements").glob("*.lock"):
        for match in re.finditer(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", lock.read_text(), re.M):
            pins[match.group(1).lower()] = match.group(2)
    return pins


def python_advisories(pins: dict[str, str]) -> list[tuple[str, str, str]]:
    found, answered = [], 0
    for name, version in sorted(pins.items()):
        try:
            url = PYPI.format(name=name, version=version)
            with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:  # noqa: S310
                data = json.load(answer)
        except urllib.error.HTTPError as error:
            if error.code == 404:
                continue
            raise Unreachable(f"PyPI answered {error.code}") from error
        except OSError as error:
            raise Unreachable(f"PyPI: {type(error).__name__}") from error
        answered += 1
        for vuln in data.get("vulnerabilities") or []:
            if not vuln.get("withdrawn"):
                found.append((vuln["id"], f"{name}=={version}", vuln.get("summary") or ""))
    if pins and not answered:
        raise Unreachable("PyPI served no release's advisory data (every request 404)")
    return found


def npm_advisories() -> list[tuple[str, str, str]]:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    wanted: dict[str, list[str]] = {}
    for path, package in lock.get("packages", {}).items():
        if path and "version" in package:
            wanted.setdefault(path.rsplit("node_modules/", 1)[-1], []).append(package["version"])
    request = urllib.request.Request(  # noqa: S310 - a fixed https address
        NPM_BULK, data=json.dumps(wanted).encode(), headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310
            data = json.load(answer)
    except urllib.error.HTTPError as error:
        raise Unreachable(f"the npm registry answered {error.code}") from error
    except OSError as error:
        raise Unreachable(f"the npm registry: {type(error).__name__}") from error
    return [
        (str(item.get("id")), name, item.get("title", ""))
        for name, items in data.items()
        for item in items
    ]


def main() -> int:
    allowed = accepted()
    failures, unchecked = [], []
    for label, check in (
        ("Python packages", lambda: python_advisories(python_pins())),
        ("npm packages", npm_advisories),
    ):
        try:
            found = check()
        except Unreachable as reason:
            unchecked.append(f"{label}: {reason}")
            continue
        for advisory, package, summary in found:
            if advisory in allowed:
                print(f"accepted  {advisory} {package}: {allowed[advisory]}")
            else:
                failures.append(f"{advisory} {package}: {summary}")
        print(f"{label}: {len(found)} advisories, {len(found) - len(failures)} accepted")
    for line in unchecked:
        print(f"NOT CHECKED  {line}")
    for line in failures:
        print(f"VULNERABLE  {line}")
    if failures:
        return 1
    if unchecked and os.environ.get("AUDIT_REQUIRED", "").lower() == "true":
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
