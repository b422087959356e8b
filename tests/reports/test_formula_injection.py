"""Spreadsheet formula injection (OWASP "CSV injection"): text that a person typed and that
begins with =, +, - or @ leaves the system as text in every spreadsheet and CSV it produces,
never as a formula that a spreadsheet would run when the file is opened."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from agencies.models import Role
from cases.models import Association, Network, Person
from tests.conftest import sign_in
from tests.factories import AgencyFactory, CaseFactory, PartnershipFactory, member

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://example.invalid","open")', "+1+1", "-2+3", "@SUM(A1:A2)"]
LAST_YEAR = date.today().year - 1


@pytest.fixture
def hostile_records():
    """A child, a suspect and a network whose names are formulas, in an agency whose name
    is one too."""
    partnership = PartnershipFactory()
    agency = AgencyFactory(partnerships=[partnership], name=FORMULAS[0])
    case = CaseFactory(owner_agency=agency, first_contact_date=date(LAST_YEAR, 5, 1))
    Person.objects.filter(pk=case.child.pk).update(
        first_name=FORMULAS[0], last_name=FORMULAS[1], known_as=FORMULAS[3]
    )
    suspect = Person.objects.create(
        owner_agency=agency, kind="suspect", first_name=FORMULAS[2], known_as=FORMULAS[3]
    )
    Association.objects.create(owner_agency=agency, from_person=case.child, to_person=suspect)
    Network.objects.create(owner_agency=agency, name=FORMULAS[1])
    lead = member(Role.SAFEGUARDING_LEAD, agency)
    return partnership, lead


def export(client, partnership, kind: str, django_capture_on_commit_callbacks) -> bytes:
    from reports.models import ExportJob

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/returns/", {
            "partnership": partnership.code, "start": f"{LAST_YEAR}-01-01",
            "end": f"{LAST_YEAR}-12-31", "format": kind,
        })  # fmt: skip
    assert response.status_code == 302
    job = ExportJob.objects.get(kind=kind)
    assert job.status == "done", job.error
    download = client.get(f"/returns/{job.public_id}/download/")
    return b"".join(download.streaming_content)


def assert_inert(cells: list[str]) -> None:
    """Each formula typed appears, quoted, and no cell starts a formula."""
    for text in FORMULAS:
        assert "'" + text in cells, text
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]


def test_the_records_exported_to_the_workbook_hold_formulas_only_as_text(
    client, hostile_records, django_capture_on_commit_callbacks
):
    partnership, lead = hostile_records
    sign_in(client, lead)

    content = export(client, partnership, "template_xlsx", django_capture_on_commit_callbacks)

    book = load_workbook(io.BytesIO(content))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert_inert([c.value for c in cells if isinstance(c.value, str)])


def test_the_records_exported_as_csv_files_hold_formulas_only_as_text(
    client, hostile_records, django_capture_on_commit_callbacks
):
    partnership, lead = hostile_records
    sign_in(client, lead)

    content = export(client, partnership, "template_zip", django_capture_on_commit_callbacks)

    cells = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8-sig")
            cells += [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert_inert(cells)


def test_a_dashboard_table_downloaded_as_csv_holds_an_agency_name_only_as_text(
    client, hostile_records
):
    _, lead = hostile_records
    sign_in(client, lead)

    response = client.get(
        "/dashboard/tables/quality-children.csv",
        {"start": f"{LAST_YEAR}-01-01", "end": f"{LAST_YEAR}-12-31"},
    )

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["'" + FORMULAS[0]] == [row[0] for row in rows if FORMULAS[0] in row[0]]
    assert not [row[0] for row in rows if row[0][:1] in ("=", "+", "-", "@")]
