"""The overview's figures are kept between requests (reports.selectors.dashboard_tables_kept)
until a record they count changes: a change shows at once, exact and suppressed figures are
never mixed, and every table the figures read is watched."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Role
from cases.models import MissingEpisode
from reports import selectors
from reports.forms import default_period
from reports.scope import dashboard_scope
from tests.conftest import sign_in
from tests.factories import AgencyFactory, CaseFactory, PartnershipFactory, member

pytestmark = pytest.mark.django_db


def missing_episodes(client, **query) -> tuple[str, int]:
    """The dashboard's count of missing episodes, and the queries the page took."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/dashboard/", query)
    assert response.status_code == 200
    panel = response.content.decode().split('data-testid="table-missing"')[1]
    cell = re.search(r"Missing episodes</th>\s*<td[^>]*>([^<]*)</td>", panel).group(1)
    return cell, len(captured)


def episode(case) -> None:
    MissingEpisode.objects.create(case=case, started_at=timezone.now() - timedelta(hours=2))


@pytest.fixture
def agency():
    return AgencyFactory(partnerships=[PartnershipFactory()])


def test_a_figure_is_kept_until_a_record_it_counts_changes(client, agency):
    case = CaseFactory(owner_agency=agency)
    for _ in range(5):
        episode(case)
    sign_in(client, member(Role.CSE_LEAD, agency))

    first, computed = missing_episodes(client)
    again, kept = missing_episodes(client)
    assert first == again == "5"
    assert kept < computed - 10  # the panels' aggregates were not run again

    episode(case)
    assert missing_episodes(client)[0] == "6"  # at once, not after the figures expire

    MissingEpisode.objects.filter(case=case).first().delete()
    assert missing_episodes(client)[0] == "5"


def test_exact_and_suppressed_figures_of_one_scope_are_kept_apart(client, agency):
    """The CSE lead opens the agency's records and sees exact figures; the LSCB chair, asking
    for the same agency, sees small numbers hidden, whoever asked first."""
    case = CaseFactory(owner_agency=agency)
    for _ in range(3):
        episode(case)
    chair = member(Role.LSCB_CHAIR, agency)
    lead = member(Role.CSE_LEAD, agency)

    for user, shown in ((lead, "3"), (chair, "fewer than 5"), (lead, "3"), (chair, "fewer than 5")):
        client.logout()
        sign_in(client, user)
        assert missing_episodes(client, agencies=agency.code)[0] == shown


def test_a_table_downloaded_after_the_page_has_the_cells_the_page_showed(client, agency):
    case = CaseFactory(owner_agency=agency)
    for _ in range(7):
        episode(case)
    sign_in(client, member(Role.CSE_LEAD, agency))
    assert missing_episodes(client)[0] == "7"

    response = client.get("/dashboard/tables/missing.csv")
    rows = dict(row[:2] for row in csv.reader(io.StringIO(response.content.decode())))
    assert rows["Missing episodes"] == "7"


def test_every_table_the_overview_reads_is_watched_for_changes(agency):
    """A panel that read a table not in FIGURES_READ would show a figure kept from before a
    change. (The indicators' texts belong to an indicator set, which is watched.)"""
    CaseFactory(owner_agency=agency)
    user = member(Role.CSE_LEAD, agency)
    scope = dashboard_scope(user, agency.partnerships.get(), [agency])
    period = selectors.Period(*default_period(timezone.localdate()))
    with CaptureQueriesContext(connection) as captured:
        selectors.dashboard_tables(scope, period)

    read = {
        table
        for query in captured.captured_queries
        for table in re.findall(r'(?:FROM|JOIN) "([a-z_]+)"', query["sql"])
    }
    watched = {model._meta.db_table for model in selectors.FIGURES_READ}
    assert read - watched == {"indicators_indicator"}
    assert all(hasattr(model, "history") for model in selectors.FIGURES_READ)
