"""Hostile input: no form is reachable without its CSRF token, script typed into free text is
shown as text, and random template files never break the importer or half-write anything."""

from __future__ import annotations

import io
import itertools
import re
import string

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from agencies.models import Role
from cases.models import Case, Network, Person
from reports.template import TABLES
from tests.conftest import sign_in
from tests.factories import AgencyFactory, CaseFactory, PartnershipFactory, member

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def views_of(resolver: URLResolver):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from views_of(pattern)
        elif isinstance(pattern, URLPattern):
            yield pattern.name, pattern.callback


def test_no_view_is_exempt_from_csrf_checks():
    """CsrfViewMiddleware protects every POST; no view opts out."""
    exempt = [name for name, view in views_of(get_resolver()) if getattr(view, "csrf_exempt", 0)]
    assert exempt == []


@pytest.mark.parametrize(
    "path",
    [
        "/cases/{case}/edit/",
        "/cases/{case}/notes/new/",
        "/cases/{case}/concerns/new/",
        "/people/search/",
    ],
)
def test_a_form_posted_without_its_csrf_token_is_refused_and_changes_nothing(path):
    case = CaseFactory(living_situation="with_family")
    client = sign_in(Client(), member(Role.FRONTLINE, case.owner_agency))
    client.handler.enforce_csrf_checks = True  # as a browser's request is checked
    version = case.version

    response = client.post(path.format(case=case.public_id), {"living_situation": "independent"})

    assert response.status_code == 403
    case.refresh_from_db()
    assert (case.version, case.living_situation) == (version, "with_family")


def test_script_typed_into_free_text_is_shown_as_text(client):
    """A note, a person's known-as name and a network's notes holding HTML are escaped on every
    page that shows them."""
    case = CaseFactory()
    worker = member(Role.FRONTLINE, case.owner_agency)
    sign_in(client, worker)
    assert client.post(f"/cases/{case.public_id}/notes/new/", {"text": SCRIPT}).status_code == 302
    form = client.get(f"/people/{case.child.public_id}/edit/")
    assert form.status_code == 200
    person = Person.objects.get(pk=case.child.pk)
    person.known_as = SCRIPT
    person.save()
    network = Network.objects.create(owner_agency=case.owner_agency, name=SCRIPT, notes=SCRIPT)
    sign_in(client, member(Role.ANALYST, case.owner_agency))

    pages = [
        f"/cases/{case.public_id}/chronology/",
        f"/people/{person.public_id}/",
        f"/cases/{case.public_id}/",
        f"/networks/{network.public_id}/",
        "/networks/",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert "<script>alert" not in html, page
        assert "<img src=x" not in html, page
    assert "&lt;script&gt;alert" in client.get(pages[0]).content.decode()


# Column values a person or a broken export might put in a template: empty, padded, wrong
# case, formulas, markup, long strings, dates in other formats, numbers.
CELL = st.one_of(
    st.just(""),
    st.sampled_from(["yes", "No", " female ", "W1", "xx", "2010-02-30", "01/02/2010", "=1+1",
                     "@SUM(A1)", "-3", "17", "18", "GB", "unknown", "NS", "S01;M99", "<b>x</b>",
                     "2009-12-31", "S01;m03", "J" * 101, "x" * 301]),
    # Characters a workbook can hold (XML 1.0 has no form feed or vertical tab).
    st.text(alphabet=string.printable.replace("\x0b", "").replace("\x0c", ""), max_size=40),
)  # fmt: skip


REFERENCES = itertools.count()
CHILD_COLUMNS = [c.name for c in TABLES["children"][1]]
ROWS = st.lists(st.dictionaries(st.sampled_from(CHILD_COLUMNS), CELL, max_size=8), max_size=4)


@pytest.fixture
def importer():
    agency = AgencyFactory(partnerships=[PartnershipFactory()], code="POL-HY")
    return member(Role.SAFEGUARDING_LEAD, agency)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=ROWS.filter(bool))
def test_a_random_children_sheet_is_imported_whole_or_refused_whole(
    rows, importer, tmp_path_factory
):
    """Whatever the cells hold, the importer either imports every row or refuses with errors
    that each name a sheet, a row and a column, and writes nothing; it never fails otherwise."""
    names = CHILD_COLUMNS
    book = Workbook()
    sheet = book.active
    sheet.title = "children"
    sheet.append(names)
    for row in rows:
        # A valid row that the random cells then overwrite, so that both outcomes happen.
        row = {"first_contact_date": "2010-06-01", **row}
        row |= {"child_ref": f"H{next(REFERENCES)}", "agency_code": "POL-HY"}
        sheet.append([row.get(name, "") for name in names])
    path = tmp_path_factory.mktemp("hostile") / "children.xlsx"
    book.save(path)
    people_before, cases_before = Person.objects.count(), Case.objects.count()
    errors = io.StringIO()

    refusal = None
    try:
        call_command("import_template", str(path), user=importer.email, stdout=io.StringIO(),
                     stderr=errors)  # fmt: skip
    except CommandError as error:
        refusal = str(error)

    event("imported" if refusal is None else "refused")
    if refusal is None:
        assert Case.objects.count() - cases_before == len(rows)
        return
    assert refusal.startswith("Nothing imported:"), refusal
    lines = errors.getvalue().strip().splitlines()
    assert lines, "a refusal lists its errors"
    assert all(re.match(r"children row \d+, \w+: ", line) for line in lines), lines
    assert (Person.objects.count(), Case.objects.count()) == (people_before, cases_before)
