from celery import shared_task

from referrals.services import referral_deadlines_escalate


@shared_task(time_limit=300, soft_time_limit=240)
def referral_deadlines_check() -> int:
    """Run by beat every 5 minutes. Idempotent: each missed deadline is escalated once."""
    return referral_deadlines_escalate()
