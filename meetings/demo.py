"""A demo multi-agency meeting for local runs (seed_demo): the police CSE lead chairs it, the
demo agencies attend, and the demo children are on its agenda."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from agencies.models import Agency, Membership, Role
from cases.models import Case
from cases.services import case_share
from meetings.models import Meeting
from meetings.services import agenda_item_add, meeting_action_add, meeting_create

DEMO_MEETING = "Demo MASE"


@transaction.atomic
def demo_meeting_seed() -> int:
    """Create the demo meeting if it does not exist yet; returns how many were created."""
    if Meeting.objects.filter(title=DEMO_MEETING).exists():
        return 0
    police = Agency.objects.get(code="demo-police")
    chair = Membership.objects.get(agency=police, role=Role.CSE_LEAD).user
    agencies = list(Agency.objects.filter(code__startswith="demo-").exclude(pk=police.pk))
    meeting = meeting_create(
        partnership=police.partnerships.get(),
        title=DEMO_MEETING,
        held_on=date.today() + timedelta(days=7),
        starts_at=None,
        venue="Riverside police station, room 2",
        chair=chair,
        chair_agency=police,
        agencies=agencies,
        by=chair,
    )
    for case in Case.objects.filter(reference__startswith="DEMO-").order_by("reference"):
        if case.owner_agency_id != police.pk:
            case_share(
                case=case,
                agency=police,
                reason="Referred to the demo MASE",
                lawful_basis="safeguarding",
                by=chair,
            )
        item = agenda_item_add(meeting=meeting, kind="case", subject=case, by=chair)
        meeting_action_add(
            item=item,
            description="Share what the agency knows before the meeting",
            owner_agency=case.owner_agency,
            owner=None,
            due_on=meeting.held_on,
            by=chair,
        )
    return 1
