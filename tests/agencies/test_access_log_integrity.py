"""The access log holds against the owner of its database (decision 64, OWASP ASVS 7.3).

Each attack is made as the owner of the table would make it, past the append-only trigger, and
`verify_access_log` must find it: an entry edited; an entry edited and the chain recomputed
(unkeyed, with a guessed key, with the application's own key); the newest entries removed after
an anchor written by a separate process; an anchor edited to match, and the newest anchors cut
off. Then the migration that re-keys old chains, the keys' configuration, and the database
roles that keep the application from changing the log at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import stat
import subprocess
import sys
import uuid
from datetime import timedelta
from importlib import import_module
from urllib.parse import quote

import psycopg
import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from agencies.access_log import (
    CHAIN_LOCK_KEY,
    Anchor,
    AnchorError,
    access_log_anchor,
    access_log_anchor_key,
    access_log_key,
    access_log_record,
    access_log_verify,
    entry_mac,
)
from agencies.models import AccessLogEntry, Role
from tests.conftest import ROOT, database_url_of_test_database, wait_for
from tests.factories import CaseFactory, member

pytestmark = [pytest.mark.django_db, pytest.mark.server]

# The audit side's key. Never in this process's environment: a process this test starts as the
# audit service gets it in its own, and verification here sets it in settings.
ANCHOR_KEY = os.urandom(32).hex()


def write_entries(count: int) -> list[int]:
    case = CaseFactory()
    user = member(Role.FRONTLINE, case.owner_agency)
    for _ in range(count):
        access_log_record(user=user, agency_id=case.owner_agency_id, action="view", record=case)
    return list(AccessLogEntry.objects.order_by("id").values_list("id", flat=True))


@contextlib.contextmanager
def as_the_tables_owner(*, past_the_trigger: str = "replica"):
    """The owner's (or a superuser's) two ways past the append-only trigger."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if past_the_trigger == "replica":
            cursor.execute("SET session_replication_role = replica")
        else:
            cursor.execute("ALTER TABLE agencies_accesslogentry DISABLE TRIGGER USER")
        try:
            yield cursor
        finally:
            if past_the_trigger == "replica":
                cursor.execute("SET session_replication_role = DEFAULT")
            else:
                cursor.execute("ALTER TABLE agencies_accesslogentry ENABLE TRIGGER USER")


def unkeyed_sha256(previous: str, entry: AccessLogEntry) -> str:
    """The chain before decision 64: anyone who can write the table can recompute it."""
    return hashlib.sha256((previous + entry.canonical()).encode()).hexdigest()


def guessed_key(previous: str, entry: AccessLogEntry) -> str:
    key = b"a guess at the access log key, 32 characters or more"
    return hmac.new(key, (previous + entry.canonical()).encode(), hashlib.sha256).hexdigest()


def the_applications_key(previous: str, entry: AccessLogEntry) -> str:
    entry.previous_hash = previous
    return entry_mac(entry)


def rechain(forge, *, edit_id: int | None = None, start_id: int = 0) -> None:
    """Edit an entry (optionally), then recompute the chain from `start_id` on with `forge`."""
    with as_the_tables_owner(past_the_trigger="disable") as cursor:
        if edit_id is not None:
            cursor.execute(
                "UPDATE agencies_accesslogentry SET reason = 'nothing to see' WHERE id = %s",
                [edit_id],
            )
        before = AccessLogEntry.objects.filter(id__lt=start_id).order_by("-id").first()
        previous = before.hash if before else "0" * 64
        for entry in AccessLogEntry.objects.filter(id__gte=start_id).order_by("id"):
            digest = forge(previous, entry)
            cursor.execute(
                "UPDATE agencies_accesslogentry SET previous_hash = %s, hash = %s WHERE id = %s",
                [previous, digest, entry.id],
            )
            previous = digest


def delete_as_the_owner(ids: list[int]) -> None:
    with as_the_tables_owner() as cursor:
        cursor.execute("DELETE FROM agencies_accesslogentry WHERE id = ANY(%s)", [ids])


@pytest.fixture
def audit_side(settings):
    """This process plays the audit service, which holds the anchor key."""
    settings.ACCESS_LOG_ANCHOR_KEY = ANCHOR_KEY
    settings.ACCESS_LOG_ANCHOR_KEY_FILE = ""


def audit_process_environment(settings, **extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ACCESS_LOG_ANCHOR")}
    return environment | {
        "DATABASE_URL": database_url_of_test_database(),
        "ACCESS_LOG_ANCHOR_FILE": str(settings.ACCESS_LOG_ANCHOR_FILE),
        "ACCESS_LOG_ANCHOR_KEY": ANCHOR_KEY,
        **extra,
    }


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


# Attack 1: an entry edited by the owner, past the trigger.


def test_an_entry_edited_by_the_tables_owner_is_found():
    ids = write_entries(4)
    with as_the_tables_owner() as cursor:
        cursor.execute(
            "UPDATE agencies_accesslogentry SET reason = 'nothing to see' WHERE id = %s", [ids[1]]
        )
    with pytest.raises(CommandError, match=f"chain broken at entry {ids[1]} "):
        call_command("verify_access_log", max_anchor_age=0)


# Attack 2: an entry edited and the chain recomputed after it.


@pytest.mark.parametrize("forge", [unkeyed_sha256, guessed_key], ids=["unkeyed", "guessed-key"])
def test_an_edit_with_the_chain_recomputed_without_the_key_is_found(forge):
    ids = write_entries(4)
    rechain(forge, edit_id=ids[1], start_id=ids[1])
    # Every link holds, and every hash matches the digest the forger chose...
    entries = list(AccessLogEntry.objects.order_by("id"))
    assert [e.previous_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    # ...but not the MAC, which needs the key.
    with pytest.raises(CommandError, match=f"chain broken at entry {ids[1]} "):
        call_command("verify_access_log", max_anchor_age=0)


def test_an_edit_rechained_with_the_applications_own_key_is_found_through_an_earlier_anchor(
    audit_side,
):
    """Whoever has the application's key can make the chain hold again; the anchor, signed
    with a key the application never has, still holds the head as it was."""
    ids = write_entries(4)
    call_command("anchor_access_log")
    rechain(the_applications_key, edit_id=ids[1], start_id=ids[1])
    assert access_log_verify().intact  # the chain alone is fooled
    with pytest.raises(CommandError, match=f"entry {ids[3]}, the head anchored at .* altered"):
        call_command("verify_access_log")


# Attack 3: the newest entries removed, after an anchor written by the audit process.


def test_removing_the_newest_entries_is_found_through_an_anchor_from_a_separate_process(
    transactional_db, settings, capsys
):
    settings.ACCESS_LOG_ANCHOR_KEY = settings.ACCESS_LOG_ANCHOR_KEY_FILE = ""
    ids = write_entries(5)
    anchors = settings.ACCESS_LOG_ANCHOR_FILE

    # The application has no anchor key, so it cannot write (or forge) an anchor.
    with pytest.raises(CommandError, match="Set ACCESS_LOG_ANCHOR_KEY or ACCESS_LOG_ANCHOR_KEY_"):
        call_command("anchor_access_log")
    assert not anchors.exists()

    # The audit service: a process of its own, the only one given the anchor key.
    environment = audit_process_environment(settings)
    loop = subprocess.Popen(
        [sys.executable, "manage.py", "anchor_access_log", "--every", "5"],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert wait_for(lambda: anchors.exists() and anchors.read_text().count("\n") >= 1, 60)
    finally:
        loop.terminate()
        output = loop.communicate(timeout=30)[0]
    assert loop.returncode == 0, output  # stops cleanly between anchors
    anchor = json.loads(anchors.read_text().splitlines()[0])
    assert (anchor["last_id"], anchor["count"]) == (ids[4], 5)

    settings.ACCESS_LOG_ANCHOR_KEY = ANCHOR_KEY  # verifying is the audit side's job too
    call_command("verify_access_log")
    assert "Access log intact: 5 entries" in capsys.readouterr().out

    delete_as_the_owner(ids[3:])
    assert access_log_verify().intact  # a valid, shorter chain
    with pytest.raises(CommandError, match=f"entry {ids[4]}, the head anchored at .* missing"):
        call_command("verify_access_log")

    # Nor will the audit process anchor the shortened log and so vouch for it.
    refused = manage("anchor_access_log", env=environment)
    assert refused.returncode != 0
    assert f"Not anchored: entry {ids[4]}, the head anchored at" in refused.stderr


# Attack 4: the anchors rewritten.


@pytest.mark.parametrize("signature", ["kept", "re-signed with the application's key"])
def test_an_anchor_edited_to_match_a_shortened_log_is_found(audit_side, settings, signature):
    ids = write_entries(4)
    call_command("anchor_access_log")
    delete_as_the_owner(ids[2:])
    head = AccessLogEntry.objects.order_by("-id").first()
    path = settings.ACCESS_LOG_ANCHOR_FILE
    anchor = json.loads(path.read_text())
    anchor.update(last_id=head.id, hash=head.hash, count=2)
    if signature != "kept":
        message = Anchor(**anchor).message()
        anchor["mac"] = hmac.new(access_log_key(), message, hashlib.sha256).hexdigest()
    path.write_text(json.dumps(anchor) + "\n")

    with pytest.raises(CommandError, match="line 1 does not carry a valid MAC"):
        call_command("verify_access_log")


def test_cutting_off_the_newest_anchors_is_found_as_stale(audit_side, settings, capsys):
    write_entries(3)
    access_log_anchor(now=timezone.now() - timedelta(minutes=10))
    ids = write_entries(2)
    newest = access_log_anchor()
    call_command("verify_access_log", max_anchor_age=300)
    assert "Access log intact: 5 entries, 2 anchors checked." in capsys.readouterr().out

    delete_as_the_owner(ids[3:])
    path = settings.ACCESS_LOG_ANCHOR_FILE
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(lines[0])  # the newest anchor, which held the removed entries, cut off
    with pytest.raises(CommandError, match=r"the newest anchor is from .*, more than 300 seconds"):
        call_command("verify_access_log", max_anchor_age=300)
    # The anchor loop remembers what it wrote last, so it does not carry on from the cut file.
    with pytest.raises(AnchorError, match="no longer holds anchor 2, written by this process"):
        access_log_anchor(expected_last=newest)

    path.write_text(lines[1])  # the oldest cut off instead
    with pytest.raises(CommandError, match="line 1 is anchor 2, not the first"):
        call_command("verify_access_log")
    path.unlink()  # or all of them
    with pytest.raises(CommandError, match="there is no anchor"):
        call_command("verify_access_log")


def test_the_anchor_loop_carries_on_after_an_anchor_made_by_hand(audit_side):
    write_entries(2)
    mine = access_log_anchor()
    by_hand = access_log_anchor()
    write_entries(1)
    following = access_log_anchor(expected_last=mine)
    assert (following.seq, following.previous_mac, following.count) == (3, by_hand.mac, 3)


def test_no_anchor_vouches_for_entries_altered_since_the_last_one(audit_side):
    write_entries(2)
    access_log_anchor()
    ids = write_entries(2)
    with as_the_tables_owner() as cursor:
        cursor.execute(
            "UPDATE agencies_accesslogentry SET reason = 'nothing to see' WHERE id = %s", [ids[3]]
        )
    with pytest.raises(AnchorError, match=f"the chain is broken at entry {ids[3]}"):
        access_log_anchor()


# The migration that re-keys the chains written before decision 64.


def test_the_migration_rekeys_an_intact_chain_and_refuses_one_that_was_altered():
    migration = import_module("agencies.migrations.0008_access_log_keyed_chain")
    ids = write_entries(3)
    rechain(unkeyed_sha256)  # as this release finds a log written before it
    assert access_log_verify().first_broken_id == ids[0]

    with connection.schema_editor() as editor:
        migration.forward(apps, editor)
    assert access_log_verify().intact
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE agencies_accesslogentry SET reason = 'x'")  # the trigger is back

    rechain(unkeyed_sha256)
    with as_the_tables_owner() as cursor:
        cursor.execute(
            "UPDATE agencies_accesslogentry SET reason = 'nothing to see' WHERE id = %s", [ids[1]]
        )
    before = list(AccessLogEntry.objects.order_by("id").values_list("hash", flat=True))
    with (
        pytest.raises(migration.AccessLogChainBroken, match=f"broken at entry {ids[1]}: "),
        transaction.atomic(),
        connection.schema_editor() as editor,
    ):
        migration.forward(apps, editor)
    assert list(AccessLogEntry.objects.order_by("id").values_list("hash", flat=True)) == before


# The keys.


def test_without_a_key_the_application_refuses_to_start():
    environment = {
        k: v for k, v in os.environ.items() if k not in {"ACCESS_LOG_KEY", "ACCESS_LOG_KEY_FILE"}
    }
    result = manage("check", env=environment | {"DEBUG": "false"})
    assert result.returncode != 0
    assert "Set ACCESS_LOG_KEY or ACCESS_LOG_KEY_FILE" in result.stderr


def test_a_local_run_makes_its_key_once_outside_the_repository(settings, tmp_path):
    settings.DEBUG = True
    settings.ACCESS_LOG_KEY = ""
    settings.ACCESS_LOG_KEY_FILE = str(tmp_path / "secrets" / "access-log.key")
    key = access_log_key()
    assert len(key) == 64
    assert access_log_key() == key
    assert stat.S_IMODE((tmp_path / "secrets" / "access-log.key").stat().st_mode) == 0o600


def test_the_anchor_key_must_differ_from_the_applications_key(settings):
    settings.ACCESS_LOG_ANCHOR_KEY = settings.ACCESS_LOG_KEY
    with pytest.raises(ImproperlyConfigured, match="must differ from ACCESS_LOG_KEY"):
        access_log_anchor_key()
    settings.ACCESS_LOG_ANCHOR_KEY = "too short"
    with pytest.raises(ImproperlyConfigured, match="at least 32 characters"):
        access_log_anchor_key()


# The database roles.


def connect_as(role: str, password: str) -> psycopg.Connection:
    database = connection.settings_dict
    return psycopg.connect(
        host=database["HOST"] or "localhost",
        port=database["PORT"] or None,
        dbname=database["NAME"],
        user=role,
        password=password,
        autocommit=True,
    )


def test_the_application_role_may_only_read_and_add_to_the_access_log(
    transactional_db, settings, capsys
):
    suffix = uuid.uuid4().hex[:12]
    app_role, audit_role = f"cse_test_app_{suffix}", f"cse_test_audit_{suffix}"
    later_table = f"test_later_{suffix}"
    password = uuid.uuid4().hex
    created = []
    try:
        with connection.cursor() as cursor:
            for role in (app_role, audit_role):
                cursor.execute(f'CREATE ROLE "{role}" LOGIN PASSWORD %s', [password])
                created.append(role)
        write_entries(2)

        call_command("database_roles", app_role=app_role, audit_role=audit_role)
        assert "may only read the access log" in capsys.readouterr().out

        with connect_as(app_role, password) as app:
            # Adding an entry as the application does: under the chain's lock, after its head.
            with app.transaction():
                app.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
                head = app.execute(
                    "SELECT hash FROM agencies_accesslogentry ORDER BY id DESC LIMIT 1"
                )
                entry = AccessLogEntry(
                    at=timezone.now(),
                    action="view",
                    record_type="case",
                    previous_hash=head.fetchone()[0],
                )
                entry.hash = entry_mac(entry)
                app.execute(
                    "INSERT INTO agencies_accesslogentry (at, action, record_type, reason, detail, "
                    "previous_hash, hash) VALUES (%s, 'view', 'case', '', '{}', %s, %s)",
                    [entry.at, entry.previous_hash, entry.hash],
                )
            assert app.execute("SELECT count(*) FROM agencies_accesslogentry").fetchone()[0] == 3
            for statement in (
                "UPDATE agencies_accesslogentry SET reason = 'nothing to see'",
                "DELETE FROM agencies_accesslogentry",
                "TRUNCATE agencies_accesslogentry",
                "ALTER TABLE agencies_accesslogentry DISABLE TRIGGER USER",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    app.execute(statement)
            # Every other table stays the application's to write.
            app.execute(
                "INSERT INTO django_session (session_key, session_data, expire_date) "
                "VALUES (%s, 'x', now())",
                [suffix],
            )
            app.execute(
                "UPDATE django_session SET session_data = 'y' WHERE session_key = %s", [suffix]
            )
            app.execute("DELETE FROM django_session WHERE session_key = %s", [suffix])
        assert access_log_verify().checked == 3
        assert access_log_verify().intact

        with connect_as(audit_role, password) as audit:
            assert audit.execute("SELECT count(*) FROM agencies_accesslogentry").fetchone()[0] == 3
            for statement in (
                "INSERT INTO agencies_accesslogentry (at) VALUES (now())",
                "SELECT count(*) FROM django_session",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    audit.execute(statement)

        # The audit role is all the anchor process needs.
        database = connection.settings_dict
        host, port = quote(database["HOST"] or "localhost", safe=""), database["PORT"]
        as_audit = f"postgresql://{audit_role}:{password}@{host}{f':{port}' if port else ''}"
        anchored = manage(
            "anchor_access_log",
            env=audit_process_environment(settings, DATABASE_URL=f"{as_audit}/{database['NAME']}"),
        )
        assert anchored.returncode == 0, anchored.stderr[-3000:]
        assert "(3 entries)" in anchored.stdout

        # Run again after a migration adds a table, the new table is the application's too.
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE TABLE "{later_table}" (id integer)')
        call_command("database_roles", app_role=app_role, audit_role=audit_role)
        with connect_as(app_role, password) as app:
            app.execute(f'INSERT INTO "{later_table}" VALUES (1)')  # noqa: S608 - our own name
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute("DELETE FROM agencies_accesslogentry")

        # A role that owns the tables could do anything to the log: refused.
        with pytest.raises(CommandError, match="is a superuser, or is"):
            call_command("database_roles", app_role=database["USER"] or "postgres")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP TABLE IF EXISTS "{later_table}"')
            for role in created:
                cursor.execute(f'DROP OWNED BY "{role}"')
                cursor.execute(f'DROP ROLE "{role}"')
