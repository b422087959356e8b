import os

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from agencies.access_log import access_log_record
from agencies.models import AccessLogEntry, Role
from tests.conftest import sign_in
from tests.factories import AgencyFactory, CaseFactory, member

pytestmark = pytest.mark.django_db


def write_entries(count: int = 3):
    case = CaseFactory()
    user = member(Role.FRONTLINE, case.owner_agency)
    for _ in range(count):
        access_log_record(user=user, agency_id=case.owner_agency_id, action="view", record=case)
    return case, user


def test_each_entry_chains_to_the_one_before_and_the_chain_verifies(capsys):
    write_entries(3)
    entries = list(AccessLogEntry.objects.order_by("id"))
    assert entries[0].previous_hash == "0" * 64
    assert [e.previous_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    call_command("verify_access_log", max_anchor_age=0)
    assert "Access log intact: 3 entries, 0 anchors checked" in capsys.readouterr().out


def test_the_database_refuses_to_change_or_delete_an_entry():
    write_entries(1)
    for statement in (
        "UPDATE agencies_accesslogentry SET reason = 'edited'",
        "DELETE FROM agencies_accesslogentry",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    with pytest.raises(ValueError, match="cannot be changed"):
        AccessLogEntry.objects.get().save()


def test_verification_finds_an_entry_altered_or_removed_behind_the_applications_back():
    write_entries(4)
    ids = list(AccessLogEntry.objects.order_by("id").values_list("id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE agencies_accesslogentry DISABLE TRIGGER USER")
        cursor.execute("UPDATE agencies_accesslogentry SET reason = 'x' WHERE id = %s", [ids[1]])
        cursor.execute("ALTER TABLE agencies_accesslogentry ENABLE TRIGGER USER")
    with pytest.raises(CommandError, match=f"broken at entry {ids[1]}"):
        call_command("verify_access_log")

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE agencies_accesslogentry DISABLE TRIGGER USER")
        cursor.execute("UPDATE agencies_accesslogentry SET reason = '' WHERE id = %s", [ids[1]])
        cursor.execute("DELETE FROM agencies_accesslogentry WHERE id = %s", [ids[2]])
        cursor.execute("ALTER TABLE agencies_accesslogentry ENABLE TRIGGER USER")
    with pytest.raises(CommandError, match=f"broken at entry {ids[3]}"):
        call_command("verify_access_log")


def delete_behind_the_applications_back(ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE agencies_accesslogentry DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM agencies_accesslogentry WHERE id = ANY(%s)", [ids])
        cursor.execute("ALTER TABLE agencies_accesslogentry ENABLE TRIGGER USER")


def test_removing_the_newest_entries_is_found_through_the_anchored_head(capsys, settings):
    """Cutting the tail leaves a valid, shorter chain: only the anchor kept outside the
    database shows that entries are gone. (Here the test process plays the audit side; the
    anchors of tests/agencies/test_access_log_integrity.py come from a separate process.)"""
    settings.ACCESS_LOG_ANCHOR_KEY = os.urandom(32).hex()
    write_entries(4)
    call_command("anchor_access_log")
    write_entries(1)
    call_command("anchor_access_log")
    anchors = settings.ACCESS_LOG_ANCHOR_FILE.read_text().splitlines()
    assert len(anchors) == 2
    call_command("verify_access_log")
    assert "Access log intact: 5 entries, 2 anchors checked" in capsys.readouterr().out

    ids = list(AccessLogEntry.objects.order_by("id").values_list("id", flat=True))
    delete_behind_the_applications_back(ids[3:])

    with pytest.raises(CommandError, match=f"entry {ids[3]}, the head anchored at .* missing"):
        call_command("verify_access_log")
    capsys.readouterr()
    call_command(
        "verify_access_log",
        anchors=settings.ACCESS_LOG_ANCHOR_FILE.with_name("none"),
        max_anchor_age=0,
    )
    assert "Access log intact: 3 entries, 0 anchors checked" in capsys.readouterr().out


def test_cse_leads_search_their_agencys_log_and_see_no_other_agencys(client):
    case, user = write_entries(2)
    other_case, _ = write_entries(1)
    lead = member(Role.CSE_LEAD, case.owner_agency)
    sign_in(client, lead)

    page = client.get("/access-log/").content.decode()
    assert str(case.public_id) in page
    assert str(other_case.public_id) not in page

    filtered = client.get("/access-log/", {"user": str(user.public_id), "action": "view"})
    assert filtered.content.decode().count(str(case.public_id)) == 2
    invalid = client.get("/access-log/", {"start": "yesterday"}).content.decode()
    assert "Enter the start date as YYYY-MM-DD" in invalid


def test_the_access_log_page_runs_the_same_queries_however_many_entries(
    client, django_assert_max_num_queries
):
    agency = AgencyFactory()
    case = CaseFactory(owner_agency=agency)
    reader = member(Role.FRONTLINE, agency)
    lead = member(Role.CSE_LEAD, agency)
    sign_in(client, lead)

    def add(count):
        for _ in range(count):
            access_log_record(user=reader, agency_id=agency.id, action="view", record=case)

    add(2)
    with django_assert_max_num_queries(12) as few:
        client.get("/access-log/")
    add(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/access-log/")
