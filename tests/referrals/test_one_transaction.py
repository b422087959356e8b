"""Making and sending a referral is one transaction: a failure at its last write (the task for
the receiving agency's CSE lead) leaves no draft, no history, no access log entry and no task."""

import pytest

from agencies.models import AccessLogEntry
from core.models import Task
from referrals.models import Referral
from tests.conftest import sign_in
from tests.injected_failures import InjectedFailure, fail_after, table_fingerprints, tables_changed
from tests.referrals import test_workflow
from tests.referrals.test_workflow import REFERRAL

pytestmark = pytest.mark.django_db
world = test_workflow.world  # the fixture


def test_a_referral_whose_sending_fails_is_not_kept_as_a_draft(
    client,
    world,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    sign_in(client, world["worker"])
    data = {**REFERRAL, "to_agency": str(world["social_care"].public_id)}
    tables = table_fingerprints()
    tasks = fail_after(monkeypatch, "referrals.services.task_create")

    with django_capture_on_commit_callbacks() as enqueued, pytest.raises(InjectedFailure):
        client.post(f"/cases/{world['case'].public_id}/referrals/new/", data)

    assert tasks[0].subject["referral"]  # the referral had been made and sent by then
    assert not Referral.objects.exists()
    assert not Referral.history.exists()
    assert not AccessLogEntry.objects.filter(action="referral").exists()
    assert not Task.objects.exists()
    assert tables_changed(tables) == []
    assert enqueued == []
