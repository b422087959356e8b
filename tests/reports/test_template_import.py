"""Importing the partnership data template through `import_template`: checked whole, every error
reported, nothing half-written, idempotent by reference, history naming the import."""

import csv
import io
import os
import re
import zipfile
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from agencies.models import Role
from cases.models import Association, Case, Network, NetworkMember, Person, PersonLocation
from reports.ceop import ceop_return
from reports.models import TemplateImport
from reports.template import TABLES
from reports.template_export import template_rows
from tests.factories import AgencyFactory, PartnershipFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def importer():
    partnership = PartnershipFactory()
    agency = AgencyFactory(partnerships=[partnership], code="POL-WY")
    return member(Role.SAFEGUARDING_LEAD, agency), agency


def good_tables() -> dict[str, list[dict]]:
    return {
        "networks": [{"network_ref": "N1", "agency_code": "pol-wy", "name": "Mill Street"}],
        "children": [
            {"child_ref": "C1", "agency_code": "POL-WY", "first_name": "Jade",
             "last_name": "Smith", "date_of_birth": "1996-03-01", "sex": "Female",
             "ethnicity": "w1", "nationality": "gb", "first_contact_date": "2010-06-01",
             "reported_missing": "yes", "missing_episodes": "3",
             "living_situation": "looked_after", "indicators": "S01;M03"},
            {"child_ref": "C2", "agency_code": "POL-WY", "age_at_first_contact": "12",
             "first_contact_date": "2010-01-15"},
        ],
        "suspects": [
            {"suspect_ref": "S1", "agency_code": "POL-WY", "first_name": "Aaron",
             "last_name": "Cole", "sex": "male", "first_known_date": "2010-02-01",
             "network_ref": "N1", "network_role": "core"},
            {"suspect_ref": "S2", "agency_code": "POL-WY", "alias": "Tiny",
             "age_when_first_known": "20", "first_known_date": "2010-03-01"},
        ],
        "links": [
            {"child_ref": "C1", "suspect_ref": "S1", "agency_code": "POL-WY",
             "relationship": "exploiter", "first_linked_date": "2010-05-01"},
        ],
        "locations": [
            {"location_ref": "L1", "agency_code": "POL-WY", "type": "takeaway_or_restaurant",
             "postcode_district": "ls6", "child_ref": "C1", "role": "first_met"},
        ],
    }  # fmt: skip


def workbook(tables: dict[str, list[dict]], path, headers: dict | None = None):
    book = Workbook()
    book.remove(book.active)
    for table, rows in tables.items():
        sheet = book.create_sheet(table)
        names = (headers or {}).get(table) or [c.name for c in TABLES[table][1]]
        sheet.append(names)
        for row in rows:
            sheet.append([row.get(name, "") for name in names])
    book.save(path)
    return path


def run(path, user):
    call_command("import_template", str(path), user=user.email)


def test_a_good_workbook_imports_everything_and_a_second_time_changes_nothing(
    importer, tmp_path, capsys
):
    user, agency = importer
    path = workbook(good_tables(), tmp_path / "good.xlsx")

    run(path, user)

    out = capsys.readouterr().out
    assert "children: 2 created, 0 updated, 0 unchanged" in out
    jade = Person.objects.get(first_name="Jade")
    case = Case.objects.get(child=jade)
    assert (jade.sex, jade.ethnicity, jade.nationality) == ("female", "W1", "GB")
    assert (case.reference, case.reported_missing, case.living_situation) == (
        "C1", "yes", "looked_after",
    )  # fmt: skip
    assert case.concerns.get().indicator_codes == ["M03", "S01"]
    # The dashboards count concerns by the agency copied from their case.
    assert case.concerns.get().case_agency == case.owner_agency == agency
    assert case.missing_episodes_reported == 3
    place = PersonLocation.objects.get(person=jade)
    assert (place.role, place.location.type, place.location.postcode_district) == (
        "first_met", "takeaway_or_restaurant", "LS6",
    )  # fmt: skip
    exported = template_rows(user=user, start=date(2009, 4, 1), end=date(2011, 3, 31),
                             agencies=[agency])  # fmt: skip
    assert [(r["child_ref"], r["role"]) for r in exported["locations"]] == [("C1", "first_met")]
    assert {r["missing_episodes"] for r in exported["children"]} == {3, ""}
    young = Person.objects.get(kind="child", first_name="")
    assert young.age_at(date(2010, 1, 15)) == 12
    aaron = Person.objects.get(first_name="Aaron")
    assert NetworkMember.objects.get(person=aaron).role == "core"
    assert Association.objects.get(from_person=jade, to_person=aaron).relationship == "exploiter"
    assert "Imported from the data template" in jade.history.first().history_change_reason
    record = TemplateImport.objects.get()
    assert (record.status, record.rows, record.requested_by) == ("done", 7, user)
    assert len(record.checksum) == 64
    assert not record.file  # the uploaded file, with its personal data, is not kept
    figures = ceop_return(start=date(2009, 4, 1), end=date(2011, 3, 31),
                          agency_codes=[agency.code], agency_ids=[agency.pk])  # fmt: skip
    assert figures["victims"]["total"] == 2
    assert figures["suspects"]["group_one"] == 1
    assert figures["networks"]["total"] == 1

    people_before = Person.objects.count()
    run(path, user)

    out = capsys.readouterr().out
    assert "children: 0 created, 0 updated, 2 unchanged" in out
    assert "suspects: 0 created, 0 updated, 2 unchanged" in out
    assert Person.objects.count() == people_before


def test_a_corrected_file_updates_the_records_it_names_with_history(importer, tmp_path, capsys):
    user, _ = importer
    run(workbook(good_tables(), tmp_path / "first.xlsx"), user)
    tables = good_tables()
    tables["children"][0]["living_situation"] = "with_family"

    run(workbook(tables, tmp_path / "second.xlsx"), user)

    assert "children: 0 created, 1 updated, 1 unchanged" in capsys.readouterr().out
    case = Case.objects.get(reference="C1")
    assert case.living_situation == "with_family"
    assert [h.living_situation for h in case.history.order_by("history_id")] == [
        "looked_after", "with_family",
    ]  # fmt: skip


def test_imported_people_are_found_by_search_and_a_changed_alias_is_replaced_with_history(
    importer, tmp_path, client
):
    from tests.conftest import sign_in

    user, _ = importer
    run(workbook(good_tables(), tmp_path / "first.xlsx"), user)
    tables = good_tables()
    tables["suspects"][1]["alias"] = "Biggie"

    run(workbook(tables, tmp_path / "second.xlsx"), user)

    sign_in(client, user)
    found = client.post("/people/search/", {"name": "Biggie"}).content.decode()
    assert "1 person found" in found
    gone = client.post("/people/search/", {"name": "Tiny"}).content.decode()
    assert "0 people found" in gone
    jade = client.post("/people/search/", {"name": "Jade Smith"}).content.decode()
    assert "1 person found" in jade
    suspect = Person.objects.get(kind="suspect", first_name="")
    assert [alias.name for alias in suspect.aliases.all()] == ["Biggie"]
    removed = suspect.aliases.model.history.filter(name="Tiny", history_type="-").get()
    assert "Imported from the data template" in removed.history_change_reason


def test_every_error_in_every_sheet_is_reported_and_nothing_is_imported(importer, tmp_path, capsys):
    user, _ = importer
    other_partnership = AgencyFactory(code="ELSEWHERE")
    tables = good_tables()
    tables["children"] += [
        {"child_ref": "C3", "agency_code": "NOPE", "first_contact_date": "2010-01-01"},
        {"child_ref": "C4", "agency_code": other_partnership.code,
         "first_contact_date": "2010-01-01"},
        {"child_ref": "C5", "agency_code": "POL-WY", "date_of_birth": "1990-01-01",
         "first_contact_date": "2010-01-01"},  # 20 at first contact
        {"child_ref": "C6", "agency_code": "POL-WY", "first_contact_date": "01/02/2010"},
        {"child_ref": "C1", "agency_code": "POL-WY", "first_contact_date": "2010-01-01"},
    ]  # fmt: skip
    tables["links"].append({"child_ref": "C99", "suspect_ref": "S1", "agency_code": "POL-WY"})
    headers = {"suspects": [*(c.name for c in TABLES["suspects"][1]), "sufix"]}
    path = workbook(tables, tmp_path / "bad.xlsx", headers=headers)

    with pytest.raises(CommandError, match="Nothing imported: 7 errors"):
        run(path, user)
    # (S1 is named on the suspects sheet, whose header is wrong: links are not blamed for it.)

    err = capsys.readouterr().err
    assert "children row 4, agency_code: 'NOPE'; expected the code of an agency you may" in err
    assert f"children row 5, agency_code: '{other_partnership.code}'" in err
    assert "children row 6, first_contact_date: '2010-01-01'; expected a date before the " \
           "child's 18th birthday" in err  # fmt: skip
    assert "children row 7, first_contact_date: '01/02/2010'; expected a date written " \
           "YYYY-MM-DD" in err  # fmt: skip
    assert "children row 8, child_ref: 'C1'; expected a reference used once per agency " \
           "(also on row 2)" in err  # fmt: skip
    assert "suspects row 1, sufix: 'sufix'; expected a column of the template" in err
    assert "links row 3, child_ref: 'C99'; expected a child_ref of the children sheet" in err
    assert not Person.objects.exists()
    assert not Network.objects.exists()
    record = TemplateImport.objects.get()
    assert (record.status, record.error_count) == ("refused", 7)
    assert not record.file


def test_a_zip_of_csv_files_imports_like_the_workbook(importer, tmp_path):
    user, _ = importer
    path = tmp_path / "good.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for table, rows in good_tables().items():
            text = io.StringIO()
            names = [c.name for c in TABLES[table][1]]
            writer = csv.DictWriter(text, fieldnames=names)
            writer.writeheader()
            writer.writerows(rows)
            archive.writestr(f"{table}.csv", text.getvalue())

    run(path, user)

    assert Person.objects.filter(kind="child").count() == 2
    assert TemplateImport.objects.get().status == "done"


def test_a_file_that_is_not_a_template_is_refused_clearly(importer, tmp_path):
    user, _ = importer
    path = tmp_path / "notes.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="Nothing imported: 1 errors"):
        run(path, user)
    assert TemplateImport.objects.get().errors[0]["expected"].startswith("The file is not")


def upload(client, path, name=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/template/import/",
        {"file": SimpleUploadedFile(name or path.name, path.read_bytes())},
    )


def test_an_upload_is_checked_and_imported_in_the_background_with_progress(
    client, importer, tmp_path, django_capture_on_commit_callbacks
):
    from tests.conftest import sign_in

    user, _ = importer
    sign_in(client, user)
    with django_capture_on_commit_callbacks() as enqueued:
        response = upload(client, workbook(good_tables(), tmp_path / "good.xlsx"))
    record = TemplateImport.objects.get()
    assert response["Location"] == f"/template/imports/{record.public_id}/"
    waiting = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert "Waiting to start" in waiting.content.decode()
    assert "HX-Refresh" not in waiting

    for callback in enqueued:
        callback()

    assert client.get(response["Location"], HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-counts"' in page
    assert Person.objects.filter(kind="child").count() == 2


def test_a_refused_upload_lists_every_error_on_its_page(
    client, importer, tmp_path, django_capture_on_commit_callbacks
):
    from tests.conftest import sign_in

    user, _ = importer
    sign_in(client, user)
    tables = good_tables()
    tables["children"][1]["age_at_first_contact"] = "19"
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, workbook(tables, tmp_path / "bad.xlsx"))

    page = client.get(response["Location"]).content.decode()
    assert "Nothing was imported: 1 error in 7 rows" in page
    assert "a whole number from 0 to 17" in page
    assert not Person.objects.exists()


def zip_with_a_broken_member_name() -> bytes:
    """A zip whose member name is marked UTF-8 but is not (the bytes of "é" replaced)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        # A fixed time, so that the bytes (and the test's id) are the same in every process.
        archive.writestr(zipfile.ZipInfo("\u00e9.csv", (2020, 1, 1, 0, 0, 0)), "child_ref\n")
    return out.getvalue().replace("\u00e9".encode(), b"\xff\xfe")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("children.exe", b"PK\x03\x04rest", "must be a workbook (.xlsx) or a zip"),
        ("children.xlsx", b"MZ\x90\x00 a program", "not a workbook (.xlsx) or a zip of CSV"),
        ("children.zip", zip_with_a_broken_member_name(), "zip of CSV files: it is damaged"),
    ],
    ids=["exe", "program named xlsx", "damaged zip"],
)
def test_an_upload_of_the_wrong_type_is_refused_before_it_is_kept(
    client, importer, tmp_path, name, content, message
):
    from tests.conftest import sign_in

    sign_in(client, importer[0])
    path = tmp_path / "upload"
    path.write_bytes(content)
    response = upload(client, path, name=name)
    assert message in response.content.decode()
    assert not TemplateImport.objects.exists()


def test_text_longer_than_its_field_is_refused_when_checked_not_when_written(
    importer, tmp_path, capsys
):
    """A name longer than the record holds is an error of its row and column; nothing is
    written, rather than the write failing part-way."""
    user, _ = importer
    tables = good_tables()
    tables["children"][0]["first_name"] = "J" * 101
    tables["suspects"][0]["initials"] = "J.S." * 6

    with pytest.raises(CommandError, match="Nothing imported: 2 errors"):
        run(workbook(tables, tmp_path / "long.xlsx"), user)

    err = capsys.readouterr().err
    assert "children row 2, first_name: 'JJJ" in err
    assert "expected text of at most 100 characters" in err
    assert "suspects row 2, initials: 'J.S.J.S." in err
    assert "expected text of at most 20 characters" in err
    assert not Person.objects.exists()


def test_a_csv_cell_too_large_to_read_refuses_the_file_with_a_message(importer, tmp_path, capsys):
    user, _ = importer
    path = tmp_path / "template.zip"
    with zipfile.ZipFile(path, "w") as archive:
        names = [c.name for c in TABLES["children"][1]]
        row = {"child_ref": "C1", "agency_code": "POL-WY", "first_contact_date": "2010-01-01",
               "notes": "x" * 200_000}  # fmt: skip
        text = io.StringIO()
        csv.writer(text).writerows([names, [row.get(n, "") for n in names]])
        archive.writestr("children.csv", text.getvalue())

    with pytest.raises(CommandError, match="Nothing imported"):
        run(path, user)

    assert "The children file cannot be read after row 1" in capsys.readouterr().err
    assert TemplateImport.objects.get().status == "refused"
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"TEMPLATE_UPLOAD_MAX_BYTES": 2**20}, "The file must be 1 MB or smaller"),
        ({"TEMPLATE_UNPACKED_MAX_BYTES": 2**20}, "The file unpacks to more than 1 MB"),
    ],
)
def test_an_upload_too_large_or_unpacking_too_large_is_refused_before_it_is_kept(
    client, importer, tmp_path, settings, limits, message
):
    """A file over the upload limit, or a small one that unpacks to more than the unpacked
    limit (a zip bomb), is refused at the form and never stored or queued."""
    from tests.conftest import sign_in

    for name, value in limits.items():
        setattr(settings, name, value)
    sign_in(client, importer[0])
    path = tmp_path / "children.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("children.csv", "child_ref\n" + "0" * (3 * 2**20))  # about 3 KB packed
        # Random bytes do not compress: with them the file itself is over 1 MB.
        archive.writestr("padding.bin", os.urandom(2**21) if "UPLOAD" in str(limits) else b"")

    response = upload(client, path)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TemplateImport.objects.exists()


def test_the_import_benchmark_prints_its_figures_and_leaves_no_data(capsys):
    call_command("bench_import", rows=30)
    out = capsys.readouterr().out
    assert re.search(r"errors found\s+0\n", out)
    assert "write: peak Python memory (MB)" in out
    assert not Person.objects.exists()
    assert not TemplateImport.objects.exists()


def test_writing_progress_is_shown_while_the_import_is_still_inside_its_transaction(
    client, importer, tmp_path, celery_worker_process
):
    """The import writes in one transaction; its progress is committed on a connection of its
    own, so the status page shows rows written before the import finishes. The test holds a
    lock on the locations table so that the worker is caught mid-write, after the other
    sheets."""
    from datetime import timedelta

    from django.utils import timezone

    from cases.models import Location
    from reports.exports import jobs_stalled_fail
    from tests.conftest import sign_in, table_locked, wait_for

    user, _ = importer
    sign_in(client, user)
    with table_locked(Location):
        response = upload(client, workbook(good_tables(), tmp_path / "good.xlsx"))

        def page() -> str:
            return client.get(response["Location"]).content.decode()

        # The page says "0 of 7 rows written" from the moment writing starts; the sheets
        # before locations are then written and counted, and the lock stops it there.
        assert wait_for(lambda: re.search(r"[1-9]\d* of \d+ rows written", page()), timeout=60)
        status = page()
        written, total = map(int, re.search(r"(\d+) of (\d+) rows written", status).groups())
        assert 0 < written < total == 7
        assert "Writing the records" in status
        assert Person.objects.count() == 0  # nothing is visible until the whole file is in
        # However long it has been running, an import its worker still holds is not stalled.
        later = timezone.now() + timedelta(hours=5)
        assert jobs_stalled_fail(now=later) == (0, 0)

    assert wait_for(lambda: TemplateImport.objects.get().status == "done", timeout=60)
    assert Person.objects.count() == 4
    assert TemplateImport.objects.get().progress == 100


def test_an_import_whose_worker_is_killed_mid_write_imports_nothing_and_says_so(
    client, importer, tmp_path, celery_worker_process
):
    """The worker is killed (SIGKILL) while it is writing, inside its transaction: PostgreSQL
    rolls the transaction back and releases the import's lock, so nothing is imported; the
    scheduled check then finds no process holding the import and marks it failed with a
    message, deletes the uploaded file, and the import is not run again."""
    import signal
    from datetime import timedelta

    from django.utils import timezone

    from cases.models import Location
    from reports.exports import jobs_stalled_fail, jobs_waiting_resend
    from tests.conftest import sign_in, table_locked, wait_for

    user, _ = importer
    sign_in(client, user)
    with table_locked(Location):
        response = upload(client, workbook(good_tables(), tmp_path / "good.xlsx"))
        assert wait_for(lambda: TemplateImport.objects.get().rows_written > 0, timeout=60)
        celery_worker_process.send_signal(signal.SIGKILL)
        celery_worker_process.wait(timeout=20)
    record = TemplateImport.objects.get()
    assert record.status == "writing"
    assert Person.objects.count() == 0

    # PostgreSQL ends the dead worker's session (and its lock) once it notices the drop.
    assert wait_for(lambda: jobs_stalled_fail() == (0, 1), timeout=30)
    later = timezone.now() + timedelta(hours=2)
    assert jobs_waiting_resend(now=later) == (0, 0)  # a failed import is never run again

    record.refresh_from_db()
    assert record.status == "failed"
    assert not record.file
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was imported" in page
    assert "The background service stopped before the import finished" in page
    assert Person.objects.count() == 0
