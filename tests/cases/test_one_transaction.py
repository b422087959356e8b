"""A concern about a child writes the child's record, their case, the concern (with its people,
place and details) and any notification in one transaction: a failure at the last write leaves
no orphan child, case or task behind."""

import pytest
from django.test import Client

from agencies.models import Role
from cases.models import Case, Concern, Person
from core.models import Task
from tests.cases.conftest import concern_post
from tests.conftest import sign_in
from tests.factories import member
from tests.injected_failures import InjectedFailure, fail_after, table_fingerprints, tables_changed

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "people": Person.objects.count(),
        "cases": Case.objects.count(),
        "concerns": Concern.objects.count(),
        "tasks": Task.objects.count(),
        "people history": Person.history.count(),
        "cases history": Case.history.count(),
        "concerns history": Concern.history.count(),
    }


def test_a_new_child_whose_notification_fails_leaves_no_child_case_or_concern(
    client, partnership_agencies, worker, monkeypatch, django_capture_on_commit_callbacks
):
    """The last write is the task telling the agency holding a likely match."""
    holding = partnership_agencies[1]
    member(Role.CSE_LEAD, holding)
    sign_in(Client(), member(Role.FRONTLINE, holding)).post("/concerns/new/", concern_post())
    sign_in(client, worker)
    before, tables = counts(), table_fingerprints()
    tasks = fail_after(monkeypatch, "cases.services.task_create")

    with django_capture_on_commit_callbacks() as enqueued, pytest.raises(InjectedFailure):
        client.post(
            "/concerns/new/",
            concern_post(**{"child-first_name": "Jordon", "child-last_name": "Whitfeild"}),
        )

    assert len(tasks) == 1  # the child, case and concern had been written by then
    assert counts() == before
    assert tables_changed(tables) == []
    assert enqueued == []  # no e-mail goes out about a task that was never kept


def test_a_new_child_whose_concern_fails_leaves_no_child_or_case(
    client, worker, monkeypatch, django_capture_on_commit_callbacks
):
    """With no likely match elsewhere, the concern (with its suspect, place and vehicle) is the
    last write."""
    sign_in(client, worker)
    before, tables = counts(), table_fingerprints()
    concerns = fail_after(monkeypatch, "cases.services.concern_log")

    with django_capture_on_commit_callbacks() as enqueued, pytest.raises(InjectedFailure):
        client.post("/concerns/new/", concern_post())

    assert len(concerns) == 1
    assert counts() == before
    assert tables_changed(tables) == []
    assert enqueued == []


def test_a_known_child_whose_concern_fails_gets_no_new_case(client, worker, monkeypatch):
    """A child the worker chose from the likely matches, whose case is closed: the case opened
    for the concern goes with the concern."""
    sign_in(client, worker)
    client.post("/concerns/new/", concern_post())
    child, tiny = Person.objects.get(kind="child"), Person.objects.get(kind="suspect")
    Case.objects.update(status=Case.Status.CLOSED)
    before, tables = counts(), table_fingerprints()
    concerns = fail_after(monkeypatch, "cases.services.concern_log")

    with pytest.raises(InjectedFailure):
        client.post(
            "/concerns/new/",
            concern_post(
                match_choice=str(child.public_id), **{"suspect-0-match": str(tiny.public_id)}
            ),
        )

    assert concerns[0].case.child == child  # written on a new case, then taken back
    assert counts() == before
    assert tables_changed(tables) == []
    assert list(child.cases.values_list("status", flat=True)) == [Case.Status.CLOSED]
