from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from agencies.access import agency_ids_with, visible
from agencies.roles import Capability
from cases.models import Case
from indicators.models import Indicator, IndicatorSet, RiskAssessment


def indicator_set_current() -> IndicatorSet:
    return IndicatorSet.objects.get(is_current=True)


def indicators_by_section(indicator_set: IndicatorSet) -> dict[str, list[Indicator]]:
    sections: dict[str, list[Indicator]] = {key: [] for key in Indicator.Section.values}
    for indicator in indicator_set.indicators.all():
        sections[indicator.section].append(indicator)
    return sections


def assessments_completed(*, case: Case) -> QuerySet[RiskAssessment]:
    return case.assessments.filter(status=RiskAssessment.Status.COMPLETED).order_by(
        "assessed_on", "created_at"
    )


def cases_reassessment_due(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`cases` with `next_due`: their last completed assessment's next due date (or None)."""
    latest_due = (
        RiskAssessment.objects.filter(case=OuterRef("pk"), status=RiskAssessment.Status.COMPLETED)
        .order_by("-assessed_on", "-created_at")
        .values("next_due")[:1]
    )
    return cases.annotate(next_due=Subquery(latest_due))


def cases_reassessment_overdue(cases: QuerySet[Case], *, today) -> QuerySet[Case]:
    """Those of `cases` whose last completed assessment's next due date is before `today`,
    with the due date annotated (one query)."""
    return cases_reassessment_due(cases).filter(next_due__lt=today)


def reassessments_overdue(*, user) -> QuerySet[Case]:
    """Open cases of the supervisor's agencies whose reassessment is overdue."""
    cases = visible(
        user, Case.objects.filter(status=Case.Status.OPEN, archived_at__isnull=True)
    ).filter(owner_agency_id__in=agency_ids_with(user, Capability.SIGN_OFF))
    return (
        cases_reassessment_overdue(cases, today=timezone.localdate())
        .select_related("child", "owner_agency", "lead_professional")
        .order_by("next_due")
    )
