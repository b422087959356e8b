"""Emergency access to a record closed by two restrictions (a case restricted, and its child)
opens both in one transaction: a failure at the last write leaves neither open, nothing in the
access log and nobody told."""

import pytest

from agencies.models import AccessLogEntry
from core.models import Task
from restrictions.models import EmergencyAccess
from restrictions.services import emergency_accesses_open, record_restrict, restriction_lift
from tests.conftest import sign_in
from tests.injected_failures import InjectedFailure, fail_after, table_fingerprints, tables_changed
from tests.restrictions import test_restrictions

pytestmark = pytest.mark.django_db
world = test_restrictions.world  # the fixture


def restricted_twice(world):
    """The child and the case each restricted, neither to the colleague."""
    return [
        record_restrict(record=record, reason="Staff relative", users=[], by=world["lead"])
        for record in (world["child"], world["case"])
    ]


def test_emergency_access_through_two_restrictions_opens_both_or_neither(
    client,
    world,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    restricted_twice(world)
    sign_in(client, world["colleague"])
    tables = table_fingerprints()
    opened = fail_after(monkeypatch, "restrictions.services.emergency_access_open", call=2)

    with django_capture_on_commit_callbacks() as enqueued, pytest.raises(InjectedFailure):
        client.post(f"/restricted/cases/{world['case'].public_id}/", {"reason": "Missing tonight"})

    assert len(opened) == 2  # both had been opened, logged and told by then
    assert not EmergencyAccess.objects.exists()
    assert not AccessLogEntry.objects.filter(action="emergency").exists()
    assert not Task.objects.filter(kind="emergency_access").exists()
    assert tables_changed(tables) == []
    assert enqueued == []
    assert client.get(f"/cases/{world['case'].public_id}/").status_code == 404


def test_a_restriction_lifted_meanwhile_is_passed_over_and_the_other_opened(world):
    child_restriction, case_restriction = restricted_twice(world)
    restriction_lift(restriction=child_restriction, reason="Error", by=world["lead"])

    opened = emergency_accesses_open(
        restrictions=[child_restriction, case_restriction], agency=world["police"],
        reason="Missing tonight", by=world["colleague"],
    )  # fmt: skip

    assert [access.restriction for access in opened] == [case_restriction]
