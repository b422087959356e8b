"""Retention review: records fall due by their type (configurable), the holding agency's CSE
lead sees them listed and keeps or archives each with a reason in the history; nothing is
deleted, automatically or otherwise."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import Role
from cases.models import Case, Person
from tests.conftest import sign_in
from tests.factories import AgencyFactory, CaseFactory, PersonFactory, member

pytestmark = pytest.mark.django_db


def made_ago(record, *, days: int) -> None:
    type(record).objects.filter(pk=record.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )


@pytest.fixture
def agency():
    return AgencyFactory()


def test_records_fall_due_by_their_type_and_only_the_holding_agency_sees_them(
    client, agency, settings, django_assert_max_num_queries
):
    settings.RETENTION_REVIEW_YEARS = {"case": 2, "child": 2, "suspect": 5, "associate": 2}
    old_case = CaseFactory(owner_agency=agency)
    made_ago(old_case, days=3 * 365)
    made_ago(old_case.child, days=3 * 365)
    recent_case = CaseFactory(owner_agency=agency)
    suspect = PersonFactory(owner_agency=agency, kind=Person.Kind.SUSPECT, first_name="Dean")
    made_ago(suspect, days=3 * 365)  # a suspect's period is longer: not yet due
    old_suspect = PersonFactory(owner_agency=agency, kind=Person.Kind.SUSPECT, first_name="Ray")
    made_ago(old_suspect, days=6 * 365)
    elsewhere = CaseFactory()
    made_ago(elsewhere, days=10 * 365)
    sign_in(client, member(Role.CSE_LEAD, agency))

    with django_assert_max_num_queries(12):
        page = client.get("/reviews/").content.decode()

    assert f"/reviews/cases/{old_case.public_id}/" in page
    assert f"/reviews/people/{old_case.child.public_id}/" in page
    assert f"/reviews/people/{old_suspect.public_id}/" in page
    assert f"/reviews/cases/{recent_case.public_id}/" not in page
    assert f"/reviews/people/{suspect.public_id}/" not in page
    assert str(elsewhere.public_id) not in page


def test_the_list_takes_as_many_queries_for_many_records_as_for_few(client, agency):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, member(Role.CSE_LEAD, agency))
    counts = []
    for _ in range(2):
        for _ in range(5):
            case = CaseFactory(owner_agency=agency)
            made_ago(case, days=7 * 365)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/reviews/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_keeping_a_record_sets_its_next_review_with_the_reason_in_its_history(client, agency):
    case = CaseFactory(owner_agency=agency)
    made_ago(case, days=7 * 365)
    sign_in(client, member(Role.CSE_LEAD, agency))
    next_year = timezone.localdate() + timedelta(days=365)

    response = client.post(
        f"/reviews/cases/{case.public_id}/",
        {"decision": "keep", "next_review_on": next_year.isoformat(),
         "reason": "Criminal proceedings against two suspects are still open"},
    )  # fmt: skip

    assert response["Location"] == "/reviews/"
    case.refresh_from_db()
    assert case.review_on == next_year
    assert case.archived_at is None
    reason = case.history.first().history_change_reason
    assert reason.startswith(f"Retention review: kept until {next_year:%-d %B %Y}.")
    assert "Criminal proceedings" in reason
    assert f"/reviews/cases/{case.public_id}/" not in client.get("/reviews/").content.decode()


def test_archiving_keeps_the_record_and_a_child_with_open_cases_cannot_be_archived(client, agency):
    case = CaseFactory(owner_agency=agency, status=Case.Status.OPEN)
    made_ago(case.child, days=7 * 365)
    sign_in(client, member(Role.CSE_LEAD, agency))
    path = f"/reviews/people/{case.child.public_id}/"
    data = {"decision": "archive", "reason": "No contact for seven years"}

    refused = client.post(path, data)

    assert refused.status_code == 200
    assert "Close the child&#x27;s open cases before archiving" in refused.content.decode()
    case.refresh_from_db()
    case.child.refresh_from_db()
    assert case.child.archived_at is None

    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    assert client.post(path, data)["Location"] == "/reviews/"
    child = Person.objects.get(pk=case.child.pk)  # still there: archived, never deleted
    assert child.archived_at is not None
    assert child.archived_reason == "No contact for seven years"
    assert child.history.first().history_change_reason.startswith("Retention review: archived.")


def test_a_decision_needs_a_choice_and_a_reason_and_keeps_what_was_typed(client, agency):
    case = CaseFactory(owner_agency=agency)
    sign_in(client, member(Role.CSE_LEAD, agency))

    page = client.post(
        f"/reviews/cases/{case.public_id}/",
        {"reason": "", "next_review_on": (timezone.localdate() - timedelta(days=1)).isoformat()},
    ).content.decode()

    assert "Choose whether to keep or archive the record" in page
    assert "Enter the reason for the decision" in page
    assert "The next review date must be in the future" in page
    case.refresh_from_db()
    assert (case.review_on, case.archived_at) == (None, None)


def test_another_agency_the_case_is_shared_with_cannot_decide_its_retention(client, agency):
    from cases.services import case_share

    other = AgencyFactory(partnerships=list(agency.partnerships.all()))
    case = CaseFactory(owner_agency=agency)
    lead = member(Role.CSE_LEAD, agency)
    case_share(
        case=case, agency=other, reason="Joint working", lawful_basis="safeguarding", by=lead
    )
    sign_in(client, member(Role.CSE_LEAD, other))

    assert client.get(f"/cases/{case.public_id}/").status_code == 200
    assert client.get(f"/reviews/cases/{case.public_id}/").status_code == 404


def test_the_longest_overdue_come_first_whether_their_date_was_set_or_is_by_type(client, agency):
    """A review date set five years ago is more overdue than a never-reviewed case whose
    six-year period ended a year ago, though that case was made earlier."""
    set_long_ago = CaseFactory(owner_agency=agency)
    Case.objects.filter(pk=set_long_ago.pk).update(
        review_on=timezone.localdate() - timedelta(days=5 * 365)
    )
    by_type = CaseFactory(owner_agency=agency)
    made_ago(by_type, days=7 * 365)
    sign_in(client, member(Role.CSE_LEAD, agency))

    page = client.get("/reviews/").content.decode()

    assert page.index(str(set_long_ago.public_id)) < page.index(str(by_type.public_id))
