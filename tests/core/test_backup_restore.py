"""The backup and restore procedure of docs/operations.md, run as an operator would: pg_dump of
the live database, pg_restore into a new one, then the CEOP-style return and the access-log
verification from management commands against each, which must agree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from agencies.access_log import access_log_anchor
from agencies.models import Role
from cases.models import Case, Person
from tests.conftest import ROOT, database_url_of_test_database, sign_in
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    ConcernFactory,
    PartnershipFactory,
    PersonFactory,
    member,
)


def postgres_tool(name: str) -> str:
    """pg_dump and pg_restore of the embedded PostgreSQL 16 (they also serve older servers),
    else the machine's."""
    import pgserver

    bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / name
    return str(bundled) if bundled.exists() else name


# The audit side's key, which verifying the anchors needs (decision 64).
ANCHOR_KEY = os.urandom(32).hex()


def manage(*args: str, database_url: str) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ACCESS_LOG_ANCHOR_FILE": str(settings.ACCESS_LOG_ANCHOR_FILE),
        "ACCESS_LOG_ANCHOR_KEY": ANCHOR_KEY,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def figures(database_url: str, partnership: str, tmp_path: Path, name: str) -> tuple:
    output = tmp_path / f"{name}.json"
    manage(
        "ceop_return", "--start", "2008-01-01", "--end", date.today().isoformat(),
        "--partnership", partnership, "--format", "json", "--output", str(output),
        database_url=database_url,
    )  # fmt: skip
    verified = manage("verify_access_log", database_url=database_url).strip()
    return json.loads(output.read_text()), verified


@pytest.mark.server
def test_a_backup_restored_into_a_new_database_gives_the_same_return_and_audit_chain(
    transactional_db, client, tmp_path
):
    partnership = PartnershipFactory()
    agency = AgencyFactory(partnerships=[partnership])
    for n in range(6):
        case = CaseFactory(owner_agency=agency, first_contact_date=date(2020, 1, 1 + n))
        ConcernFactory(case=case)
    PersonFactory(owner_agency=agency, kind=Person.Kind.SUSPECT, first_known_date=date(2020, 2, 1))
    viewer = member(Role.FRONTLINE, agency)
    sign_in(client, viewer)
    for case in Case.objects.filter(owner_agency=agency):
        assert client.get(f"/cases/{case.public_id}/").status_code == 200  # logged as views
    client.get("/cases/")
    assert access_log_anchor(key=ANCHOR_KEY.encode()) is not None

    source = database_url_of_test_database()
    backup = tmp_path / "cse.dump"
    subprocess.run(
        [postgres_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={backup}", source],
        check=True, timeout=120,
    )  # fmt: skip
    restored_name = f"{connection.settings_dict['NAME']}_restored"
    restored = source.rsplit("/", 1)[0] + f"/{restored_name}"
    admin = psycopg.connect(source, autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
    admin.execute(f'CREATE DATABASE "{restored_name}"')
    try:
        subprocess.run(
            [postgres_tool("pg_restore"), "--no-owner", "--exit-on-error",
             f"--dbname={restored}", str(backup)],
            check=True, timeout=120,
        )  # fmt: skip

        original = figures(source, partnership.code, tmp_path, "original")
        copy = figures(restored, partnership.code, tmp_path, "restored")

        assert original == copy
        assert original[0]["victims"]["total"] == 6
        assert original[0]["suspects"]["total"] == 1
        assert "Access log intact" in original[1]
        assert "1 anchors checked" in original[1]
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
        admin.close()
