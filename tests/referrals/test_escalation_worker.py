"""Escalation with a real Celery worker process (on Redis in CI), as production runs it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import Role
from core.models import Task
from referrals.models import Escalation, Referral
from referrals.tasks import referral_deadlines_check
from tests.conftest import wait_for
from tests.factories import AgencyFactory, CaseFactory, PartnershipFactory, member

pytestmark = [pytest.mark.worker, pytest.mark.server]


def test_an_overdue_referral_is_escalated_exactly_once_with_the_check_run_twice(
    celery_worker_process,
):
    partnership = PartnershipFactory()
    project, social_care = (AgencyFactory(partnerships=[partnership]) for _ in range(2))
    member(Role.CSE_LEAD, social_care)
    member(Role.SUPERVISOR, social_care)
    Referral.objects.create(
        case=CaseFactory(owner_agency=project),
        from_agency=project,
        to_agency=social_care,
        urgency="urgent",
        reason="Seen with older men",
        asked_for="Strategy discussion",
        status="sent",
        sent_at=timezone.now() - timedelta(days=2),
        acknowledge_due=timezone.now() - timedelta(days=1),
        decision_due=timezone.now() + timedelta(days=3),
    )

    first, second = referral_deadlines_check.delay(), referral_deadlines_check.delay()

    assert first.get(timeout=60) + second.get(timeout=60) == 1
    assert Escalation.objects.count() == 1
    overdue = Task.objects.filter(kind="referral_overdue")
    assert sorted(overdue.values_list("role", flat=True)) == ["cse_lead", "supervisor"]
    # The worker also sent each task's e-mail, once.
    assert wait_for(lambda: not overdue.filter(emailed_at__isnull=True).exists())


def test_checks_running_at_once_in_two_worker_processes_escalate_each_referral_once(
    celery_prefork_worker,
):
    """Two prefork children take the four checks together, so they race for the same rows:
    the Escalation row's unique constraint must let exactly one of them escalate each."""
    partnership = PartnershipFactory()
    project, social_care = (AgencyFactory(partnerships=[partnership]) for _ in range(2))
    member(Role.CSE_LEAD, social_care)
    member(Role.SUPERVISOR, social_care)
    case = CaseFactory(owner_agency=project)
    late = timezone.now() - timedelta(days=1)
    Referral.objects.bulk_create(
        Referral(
            case=case,
            from_agency=project,
            to_agency=social_care,
            urgency="urgent",
            reason="Seen with older men",
            asked_for="Strategy discussion",
            status="sent",
            sent_at=late - timedelta(days=1),
            acknowledge_due=late,
            decision_due=late,
        )
        for _ in range(15)
    )

    results = [referral_deadlines_check.delay() for _ in range(4)]

    # Each referral missed both deadlines: 30 escalations, however the runs interleaved.
    assert sum(result.get(timeout=120) for result in results) == 30
    assert Escalation.objects.count() == 30
    assert Task.objects.filter(kind="referral_overdue").count() == 60
