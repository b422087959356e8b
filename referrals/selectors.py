"""Reads of referrals: the agencies at either end see them; everyone else sees nothing."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from agencies.access import record_agencies
from referrals.models import Referral

S = Referral.Status


def referrals_visible(*, user) -> QuerySet[Referral]:
    """Referrals from or to the user's agencies, except those of a case restricted away from
    the user (at either end: a referral names the child)."""
    from cases.models import Case
    from restrictions.selectors import restriction_condition

    agency_ids = [m.agency_id for m in record_agencies(user)]
    # A draft is the referrer's until it is sent: the receiving agency must not read it.
    return Referral.objects.filter(
        Q(from_agency_id__in=agency_ids) | (Q(to_agency_id__in=agency_ids) & ~Q(status=S.DRAFT)),
        case__in=Case.objects.filter(restriction_condition(user=user, model=Case)),
    ).select_related("case__child", "from_agency", "to_agency")


def referrals_by_key() -> QuerySet[Referral]:
    """Referrals with what a list shows of them, for the rows of a page whose keys were read
    through referrals_visible (which alone decides what may be shown)."""
    return Referral.objects.select_related("case__child", "from_agency", "to_agency")


def overdue_q(now) -> Q:
    return Q(status=S.SENT, acknowledge_due__lt=now) | Q(
        status__in=[S.SENT, S.ACKNOWLEDGED], decision_due__lt=now
    )


INBOX_TABS = {
    "new": "New",
    "acknowledged": "Acknowledged",
    "accepted": "Accepted",
    "sent": "Sent by us",
    "overdue": "Overdue",
}


def inbox_filters(user, now) -> dict[str, Q]:
    agency_ids = [m.agency_id for m in record_agencies(user)]
    to_us = Q(to_agency_id__in=agency_ids)
    return {
        "new": to_us & Q(status=S.SENT),
        "acknowledged": to_us & Q(status=S.ACKNOWLEDGED),
        "accepted": to_us & Q(status=S.ACCEPTED),
        "sent": Q(from_agency_id__in=agency_ids),
        "overdue": to_us & overdue_q(now),
    }


def inbox(*, user, tab: str) -> tuple[QuerySet[Referral], dict[str, int]]:
    """The referrals of one tab, and the count of every tab (one query for the counts)."""
    now = timezone.now()
    filters = inbox_filters(user, now)
    agency_ids = [m.agency_id for m in record_agencies(user)]
    # Every tab is to or from the user's agencies: only those rows are counted (the indexes of
    # either end), not the whole table.
    counts = Referral.objects.filter(
        Q(to_agency_id__in=agency_ids) | Q(from_agency_id__in=agency_ids)
    ).aggregate(**{key: Count("id", filter=condition) for key, condition in filters.items()})
    return referrals_visible(user=user).filter(filters[tab]), counts
