"""Referral deadlines: by urgency, per partnership, counting working days (Monday to Friday)."""

from __future__ import annotations

from datetime import datetime, timedelta

from referrals.models import DeadlinePolicy, Referral

DEFAULTS = DeadlinePolicy()  # an unsaved policy carries the default values


def add_working_days(start: datetime, days: int) -> datetime:
    """`days` working days after `start`, at the same time of day; weekends are skipped.
    Bank holidays are not known to the service (docs/decisions.md)."""
    moment = start
    added = 0
    while added < days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            added += 1
    return moment


def policy_for(referral: Referral) -> DeadlinePolicy:
    partnership = referral.to_agency.partnerships.filter(deadline_policy__isnull=False).first()
    return partnership.deadline_policy if partnership else DEFAULTS


def deadlines(referral: Referral, sent_at: datetime) -> tuple[datetime, datetime]:
    """When the receiving agency must acknowledge, and when it must decide."""
    policy = policy_for(referral)
    if referral.urgency == Referral.Urgency.IMMEDIATE:
        acknowledge = sent_at + timedelta(minutes=policy.immediate_acknowledge_minutes)
    elif referral.urgency == Referral.Urgency.URGENT:
        acknowledge = sent_at + timedelta(minutes=policy.urgent_acknowledge_minutes)
    else:
        acknowledge = add_working_days(sent_at, policy.routine_acknowledge_working_days)
    return acknowledge, add_working_days(sent_at, policy.decision_working_days)
